//! The English/Mongolian catalog. Seed terms (see shared/design/GLOSSARY.md) are kept as
//! operators know them.

macro_rules! catalog {
    ($($key:ident => $en:literal, $mn:literal;)*) => {
        /// A key of the catalog.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Msg { $($key),* }

        impl Msg {
            pub const ALL: &'static [Msg] = &[$(Msg::$key),*];
            pub fn en(self) -> &'static str { match self { $(Msg::$key => $en),* } }
            pub fn mn(self) -> &'static str { match self { $(Msg::$key => $mn),* } }
        }
    };
}

catalog! {
    AppTagline => "Prepaid billing for MikroTik ISPs", "MikroTik интернэт үйлчилгээ үзүүлэгчийн урьдчилсан төлбөрт тооцоо";
    MainMenu => "Main menu", "Үндсэн цэс";
    MenuDashboard => "Dashboard", "Хянах самбар";
    MenuRouters => "Network devices", "Сүлжээ төхөөрөмж";
    MenuPlans => "Service packages", "Үйлчилгээний багц";
    MenuCustomers => "Customers", "Харилцагч";
    MenuPayments => "Payment information", "Төлбөрийн мэдээлэл";
    MenuExtensions => "Extension by days", "Хоногийн сунгалт";
    MenuBankAccounts => "Bank account information", "Дансны мэдээлэл";
    MenuMessages => "E-mail, messages", "И-мэйл, Захидал";
    MenuBanners => "Banner", "Баннер";
    MenuAdmins => "Users", "Хэрэглэгч";
    MenuSettings => "Settings", "Тохиргоо";
    MenuReports => "Reports", "Тайлан";
    MenuAudit => "Audit log", "Аудитын бүртгэл";
    Roles => "Access levels", "Эрхийн түвшин";
    MyAccount => "My account", "Миний бүртгэл";
    LogOut => "Log out", "Гарах";
    LogIn => "Log in", "Нэвтрэх";
    Language => "Language", "Хэл";

    Add => "Add", "Нэмэх";
    Edit => "Edit", "Засах";
    Save => "Save", "Хадгалах";
    Cancel => "Cancel", "Цуцлах";
    Delete => "Delete", "Устгах";
    Print => "Print", "Хэвлэх";
    Export => "Export", "Хөрвүүлэх";
    Refresh => "Refresh", "Шинэчлэх";
    Search => "Search", "Хайх";
    Filter => "Filter", "Шүүх";
    Back => "Back", "Буцах";
    Yes => "Yes", "Тийм";
    No => "No", "Үгүй";
    Number => "№", "№";
    Name => "Name", "Нэр";
    Username => "Login name", "Нэвтрэх нэр";
    Password => "Password", "Нууц үг";
    PasswordConfirm => "Repeat password", "Нууц үг давтах";
    CurrentPassword => "Current password", "Одоогийн нууц үг";
    NewPassword => "New password", "Шинэ нууц үг";
    FullName => "Full name", "Овог нэр";
    Phone => "Phone", "Утас";
    Email => "E-mail", "И-мэйл";
    Status => "Status", "Төлөв";
    Active => "Active", "Идэвхтэй";
    Inactive => "Inactive", "Идэвхгүй";
    CreatedDate => "Created date", "Үүсгэсэн огноо";
    Note => "Note", "Тайлбар";
    Description => "Description", "Тайлбар";
    Role => "Access level", "Эрхийн түвшин";
    Actions => "Actions", "Үйлдэл";
    Total => "Total", "Нийт";
    NothingYet => "Nothing here yet.", "Одоогоор бүртгэл алга.";
    Saved => "Saved.", "Хадгалагдлаа.";
    Deleted => "Deleted.", "Устгагдлаа.";
    FixErrors => "Please correct the marked fields.", "Тэмдэглэсэн талбаруудыг засна уу.";
    ConfirmDelete => "Delete this for good?", "Үүнийг бүрмөсөн устгах уу?";
    From => "From", "Эхлэх";
    To => "To", "Дуусах";
    All => "All", "Бүгд";

    SetupTitle => "Welcome to Steppe", "Steppe-д тавтай морил";
    SetupIntro => "Create the first administrator. This account can do everything, including adding other users.", "Эхний администраторыг үүсгэнэ үү. Энэ бүртгэл бусад хэрэглэгч нэмэх зэрэг бүх эрхтэй.";
    SetupCreate => "Create administrator", "Администратор үүсгэх";
    SetupDone => "Steppe is already set up. Log in.", "Steppe аль хэдийн тохируулагдсан байна. Нэвтэрнэ үү.";
    LoginTitle => "Log in to Steppe", "Steppe-д нэвтрэх";
    BadCredentials => "Wrong login name or password.", "Нэвтрэх нэр эсвэл нууц үг буруу байна.";
    LockedOut => "Too many failed attempts. Try again in {} minutes.", "Хэт олон удаа буруу оролдлоо. {} минутын дараа дахин оролдоно уу.";
    AccountDisabled => "This account is disabled. Ask an administrator.", "Энэ бүртгэл идэвхгүй байна. Администратортой холбогдоно уу.";
    CsrfFailed => "The form has expired or came from another site. Reload the page and try again.", "Маягтын хугацаа дууссан эсвэл өөр сайтаас илгээгдсэн байна. Хуудсаа дахин ачаалаад оролдоно уу.";
    Forbidden => "You do not have access to this page.", "Танд энэ хуудсыг үзэх эрх байхгүй.";
    NotFound => "Page not found.", "Хуудас олдсонгүй.";
    ServerError => "Something went wrong on our side. The details are in the server log.", "Серверт алдаа гарлаа. Дэлгэрэнгүйг серверийн бүртгэлээс харна уу.";
    BadRequest => "The request could not be understood.", "Хүсэлтийг ойлгосонгүй.";
    ErrorTitle => "Something is not right", "Алдаа гарлаа";

    Required => "Required.", "Заавал бөглөнө.";
    TooLong => "At most {} characters.", "Хамгийн ихдээ {} тэмдэгт.";
    InvalidUsername => "3–32 characters: lowercase letters, digits, dot, dash or underscore.", "3–32 тэмдэгт: жижиг латин үсэг, тоо, цэг, зураас эсвэл доогуур зураас.";
    UsernameTaken => "This login name is already taken.", "Энэ нэвтрэх нэр бүртгэлтэй байна.";
    PasswordTooShort => "At least {} characters.", "Хамгийн багадаа {} тэмдэгт.";
    PasswordsDiffer => "The passwords do not match.", "Нууц үг таарахгүй байна.";
    WrongCurrentPassword => "The current password is wrong.", "Одоогийн нууц үг буруу байна.";
    InvalidEmail => "Not a valid e-mail address.", "И-мэйл хаяг буруу байна.";
    InvalidPhone => "Digits, spaces, + and - only.", "Зөвхөн тоо, зай, + болон - тэмдэгт.";
    UnknownRole => "No such access level.", "Ийм эрхийн түвшин алга.";
    InvalidChoice => "Not one of the offered choices.", "Санал болгосон сонголтуудын нэг биш байна.";
    InvalidTimeZone => "Unknown time zone (e.g. Asia/Ulaanbaatar).", "Цагийн бүс буруу (жишээ нь Asia/Ulaanbaatar).";
    InvalidDate => "Use the form YYYY-MM-DD.", "ОООО-СС-ӨӨ хэлбэрээр оруулна уу.";
    InvalidNumber => "Not a valid number.", "Тоо буруу байна.";
    EndBeforeStart => "The end date is before the start date.", "Дуусах огноо эхлэх огнооноос өмнө байна.";
    ImageTooLarge => "The image is larger than {} KB.", "Зураг {} KB-аас том байна.";
    ImageType => "Use a PNG, JPEG, GIF or WebP image.", "PNG, JPEG, GIF эсвэл WebP зураг ашиглана уу.";
    LastSuperAdmin => "At least one active super admin must remain.", "Дор хаяж нэг идэвхтэй супер админ үлдэх ёстой.";
    RoleInUse => "Users still have this access level; move them first.", "Энэ эрхийн түвшинтэй хэрэглэгч байна; эхлээд тэднийг шилжүүлнэ үү.";
    BuiltinRole => "Built-in access levels can be edited but not deleted.", "Үндсэн эрхийн түвшинг засаж болно, устгах боломжгүй.";
    InvalidRoleId => "2–32 characters: lowercase letters, digits or underscore.", "2–32 тэмдэгт: жижиг латин үсэг, тоо эсвэл доогуур зураас.";
    RoleIdTaken => "This id is already used.", "Энэ таних нэр ашиглагдсан байна.";
    ControlChars => "Control characters are not allowed.", "Удирдах тэмдэгт оруулж болохгүй.";
    InvalidHost => "Give an IP address or host name.", "IP хаяг эсвэл хостын нэр оруулна уу.";
    InvalidPort => "A port is a number from 1 to 65535.", "Порт нь 1-ээс 65535 хүртэлх тоо.";
    InvalidFingerprint => "A SHA-256 fingerprint is 64 hexadecimal digits.", "SHA-256 хурууны хээ нь 64 арван зургаатын цифр.";
    NoServiceKind => "Choose a hotspot server or PPPoE (or both).", "Hotspot сервер эсвэл PPPoE-г (эсвэл хоёуланг) сонгоно уу.";
    NameTaken => "This name is already used.", "Энэ нэр ашиглагдсан байна.";
    RouterInUse => "Customers are still on this router; move them first.", "Энэ төхөөрөмж дээр харилцагч байна; эхлээд шилжүүлнэ үү.";
    PlanInUse => "Customers are still on this package; deactivate it instead.", "Энэ багцад харилцагч байна; оронд нь идэвхгүй болгоно уу.";
    KindInUse => "Customers use this package; its kind cannot change.", "Энэ багцыг харилцагч ашиглаж байгаа тул төрлийг өөрчлөх боломжгүй.";
    NegativeAmount => "The amount cannot be negative.", "Дүн сөрөг байж болохгүй.";
    DurationRequired => "Give the duration in days and/or hours.", "Хугацааг хоног ба/эсвэл цагаар оруулна уу.";
    InvalidRate => "Use a RouterOS speed such as 512k, 5M or 1G.", "RouterOS хурд оруулна уу, жишээ нь 512k, 5M эсвэл 1G.";
    InvalidAddress => "An IP address or pool name.", "IP хаяг эсвэл pool-ийн нэр.";
    InvalidLogin => "1–64 characters: Latin letters, digits, dot, @, dash or underscore.", "1–64 тэмдэгт: латин үсэг, тоо, цэг, @, зураас эсвэл доогуур зураас.";
    InvalidRouterPassword => "At most 64 characters, without spaces.", "Хамгийн ихдээ 64 тэмдэгт, зайгүй.";
    UnknownRouter => "No such router.", "Ийм төхөөрөмж алга.";
    UnknownPlan => "No such service package.", "Ийм үйлчилгээний багц алга.";
    RouterLacksKind => "This router does not serve this package's kind (hotspot or PPPoE).", "Энэ төхөөрөмж энэ багцын төрлийг (hotspot эсвэл PPPoE) үйлчилдэггүй.";
    InvalidDateTime => "Use a date and time such as 2026-12-31T23:59.", "Огноо цагийг 2026-12-31T23:59 хэлбэрээр оруулна уу.";
    LoginTaken => "This login is already used on this router.", "Энэ нэвтрэх нэр энэ төхөөрөмж дээр бүртгэлтэй байна.";

    Admins => "Users", "Хэрэглэгчид";
    NewAdmin => "New user", "Шинэ хэрэглэгч";
    EditAdmin => "Edit user", "Хэрэглэгч засах";
    ResetPassword => "Reset password", "Нууц үг шинэчлэх";
    PasswordReset => "The password was reset; the user's sessions were ended.", "Нууц үг шинэчлэгдэж, хэрэглэгчийн нээлттэй холболтууд хаагдлаа.";
    Overrides => "Per-user access", "Хэрэглэгчийн тусгай эрх";
    OverridesHelp => "Leave \"as role\" to follow the access level; anything else overrides it for this user only.", "\"Эрхийн түвшнээр\" гэвэл эрхийн түвшнийг дагана; бусад сонголт зөвхөн энэ хэрэглэгчид давамгайлна.";
    AsRole => "as role", "эрхийн түвшнээр";
    LevelNone => "No access", "Эрхгүй";
    LevelView => "View", "Харах";
    LevelEdit => "Edit", "Засах";
    Menu => "Menu", "Цэс";
    NewRole => "New access level", "Шинэ эрхийн түвшин";
    EditRole => "Edit access level", "Эрхийн түвшин засах";
    RoleId => "Id", "Таних нэр";
    Builtin => "Built-in", "Үндсэн";
    UsersWithRole => "Users", "Хэрэглэгч";
    LastLogin => "Last login", "Сүүлд нэвтэрсэн";

    ChangePassword => "Change password", "Нууц үг солих";
    PasswordChanged => "Password changed. Other sessions were ended.", "Нууц үг солигдлоо. Бусад холболтууд хаагдлаа.";
    Sessions => "Sessions", "Нээлттэй холболтууд";
    SessionStarted => "Started", "Эхэлсэн";
    SessionLastSeen => "Last seen", "Сүүлд";
    Address => "Address", "Хаяг";
    Browser => "Browser", "Хөтөч";
    ThisSession => "this session", "энэ холболт";
    Revoke => "Revoke", "Хаах";
    Revoked => "Revoked.", "Хаагдлаа.";
    ApiTokens => "API tokens", "API түлхүүрүүд";
    ApiTokensHelp => "A token acts as you, with your access, for programs using the JSON API.", "Түлхүүр нь JSON API ашиглах программд таны эрхээр үйлдэл хийнэ.";
    TokenName => "Label", "Нэр";
    CreateToken => "Create token", "Түлхүүр үүсгэх";
    TokenCreated => "Copy this token now; it is not shown again:", "Энэ түлхүүрийг одоо хуулж авна уу; дахин харагдахгүй:";
    LastUsed => "Last used", "Сүүлд ашигласан";
    Never => "never", "хэзээ ч";
    PreferredLanguage => "Preferred language", "Сонгосон хэл";

    Banners => "Banners", "Баннерууд";
    NewBanner => "New banner", "Шинэ баннер";
    EditBanner => "Edit banner", "Баннер засах";
    BannerTitle => "Title", "Гарчиг";
    BannerText => "Text", "Текст";
    Image => "Image", "Зураг";
    RemoveImage => "Remove the image", "Зургийг устгах";
    StartDate => "Start date", "Эхлэх огноо";
    EndDate => "End date", "Дуусах огноо";
    Period => "Period", "Хугацаа";
    ShownNow => "Shown now", "Одоо харагдаж байна";
    BannerHelp => "The active banner is shown on the login page between its start and end dates.", "Идэвхтэй баннер эхлэх, дуусах огнооны хооронд нэвтрэх хуудсанд харагдана.";

    Settings => "Settings", "Тохиргоо";
    CompanyName => "Company name", "Байгууллагын нэр";
    Logo => "Logo", "Лого";
    CurrencyCode => "Currency code", "Валютын код";
    CurrencySymbol => "Currency symbol", "Валютын тэмдэг";
    CurrencyExponent => "Decimal places", "Бутархайн орон";
    TimeZone => "Time zone", "Цагийн бүс";
    DefaultLanguage => "Default language", "Үндсэн хэл";

    Audit => "Audit log", "Аудитын бүртгэл";
    When => "When", "Хэзээ";
    Who => "Who", "Хэн";
    Via => "Via", "Хэрэгсэл";
    Action => "Action", "Үйлдэл";
    Entity => "Record", "Бичлэг";
    Change => "Change", "Өөрчлөлт";
    Older => "Older", "Өмнөх";

    Welcome => "Welcome, {}", "Тавтай морил, {}";
    YourAccess => "Your access", "Таны эрх";
    SystemInfo => "System", "Систем";
    Version => "Version", "Хувилбар";
    DataFile => "Data file", "Өгөгдлийн файл";
    Uptime => "Running since", "Ажиллаж эхэлсэн";
    AdminCount => "Users", "Хэрэглэгч";
    ActiveBanner => "Active banner", "Идэвхтэй баннер";
    None => "none", "байхгүй";
}
