//! Typed access to the menus a prepaid ISP uses, so callers handle structs instead of property
//! strings. Each menu is a struct implementing [`Entry`]; [`Menu`] gives it list/add/set/remove/
//! enable/disable. Every field is optional: `list` fills what the router printed, and `add`/`set`
//! send only the fields that are `Some`, so a struct with one field set is a partial update.

pub mod firewall;
pub mod hotspot;
pub mod ppp;
pub mod queue;
pub mod system;

use std::marker::PhantomData;
use std::time::Duration;

use super::client::Client;
use super::command::{Command, Item, ItemId};
use super::error::{Error, Result};
use super::value::{format_duration, parse_bool, parse_duration, parse_u64};

pub use firewall::AddressListEntry;
pub use hotspot::{
    HotspotActive, HotspotCookie, HotspotHost, HotspotProfile, HotspotServer, HotspotUser,
};
pub use ppp::{PppActive, PppProfile, PppSecret, PppoeServer};
pub use queue::SimpleQueue;
pub use system::{Interface, SystemResource, identity, send_sms, set_identity};

/// A property value type: how it is read from and written to the router's text.
pub trait PropValue: Sized {
    /// Reads a printed value; `None` if it does not parse (the field is then left empty).
    fn parse_prop(text: &str) -> Option<Self>;
    /// The text to send.
    fn render_prop(&self) -> String;
}

impl PropValue for String {
    fn parse_prop(text: &str) -> Option<Self> {
        Some(text.to_owned())
    }
    fn render_prop(&self) -> String {
        self.clone()
    }
}

impl PropValue for bool {
    fn parse_prop(text: &str) -> Option<Self> {
        parse_bool(text)
    }
    // Every RouterOS version accepts yes/no on input.
    fn render_prop(&self) -> String {
        if *self { "yes" } else { "no" }.to_owned()
    }
}

impl PropValue for u64 {
    fn parse_prop(text: &str) -> Option<Self> {
        parse_u64(text)
    }
    fn render_prop(&self) -> String {
        self.to_string()
    }
}

impl PropValue for Duration {
    fn parse_prop(text: &str) -> Option<Self> {
        parse_duration(text)
    }
    fn render_prop(&self) -> String {
        format_duration(*self)
    }
}

/// A menu item type.
pub trait Entry: Sized {
    /// The menu path, e.g. `/ip/hotspot/user`.
    const PATH: &'static str;
    /// Properties requested by `list` (`.proplist`).
    const PROPS: &'static [&'static str];
    /// Builds the struct from a printed item.
    fn from_item(item: &Item) -> Self;
    /// The writable properties that are set, for `add`/`set`.
    fn to_attrs(&self) -> Vec<(&'static str, String)>;
}

/// Declares a menu struct: writable fields, then read-only ones, each `field: Type = "property"`.
macro_rules! entry {
    (
        $(#[$meta:meta])*
        $name:ident at $path:literal {
            $( $(#[$fmeta:meta])* $field:ident: $ty:ty = $prop:literal, )*
        }
        read_only {
            $( $(#[$rmeta:meta])* $rfield:ident: $rty:ty = $rprop:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct $name {
            /// The router's id (`*1A`); filled by `list`, never sent.
            pub id: Option<$crate::routeros::command::ItemId>,
            $( $(#[$fmeta])* pub $field: Option<$ty>, )*
            $( $(#[$rmeta])* pub $rfield: Option<$rty>, )*
        }

        impl $crate::routeros::menus::Entry for $name {
            const PATH: &'static str = $path;
            const PROPS: &'static [&'static str] = &[".id", $($prop,)* $($rprop,)*];

            fn from_item(item: &$crate::routeros::command::Item) -> Self {
                use $crate::routeros::menus::PropValue;
                $name {
                    id: item.id(),
                    $( $field: item.get($prop).and_then(PropValue::parse_prop), )*
                    $( $rfield: item.get($rprop).and_then(PropValue::parse_prop), )*
                }
            }

            #[allow(unused_imports, unused_mut)]
            fn to_attrs(&self) -> Vec<(&'static str, String)> {
                use $crate::routeros::menus::PropValue;
                let mut attrs = Vec::new();
                $( if let Some(v) = &self.$field { attrs.push(($prop, v.render_prop())); } )*
                attrs
            }
        }
    };
}
pub(crate) use entry;

/// The operations on one menu, over a client connection.
pub struct Menu<T> {
    client: Client,
    entry: PhantomData<fn() -> T>,
}

impl<T: Entry> Menu<T> {
    /// The menu of `T` on this connection.
    pub fn new(client: &Client) -> Menu<T> {
        Menu {
            client: client.clone(),
            entry: PhantomData,
        }
    }

    fn path(verb: &str) -> String {
        format!("{}/{verb}", T::PATH)
    }

    /// Every item.
    pub async fn list(&self) -> Result<Vec<T>> {
        self.list_where(&[]).await
    }

    /// Items matching query words (`"name=x"`, `"?#|"`, see the API query syntax).
    pub async fn list_where(&self, queries: &[&str]) -> Result<Vec<T>> {
        let mut command = Command::new(&Self::path("print")).proplist(T::PROPS);
        for q in queries {
            command = command.query(q);
        }
        let reply = self.client.command(command).await?;
        Ok(reply.items.iter().map(T::from_item).collect())
    }

    /// The item whose `name` is `name`.
    pub async fn find(&self, name: &str) -> Result<Option<T>> {
        Ok(self
            .list_where(&[&format!("name={name}")])
            .await?
            .into_iter()
            .next())
    }

    /// Adds an item; returns its id.
    pub async fn add(&self, entry: &T) -> Result<ItemId> {
        let mut command = Command::new(&Self::path("add"));
        for (name, value) in entry.to_attrs() {
            command = command.attr(name, value);
        }
        let reply = self.client.command(command).await?;
        reply
            .ret
            .map(ItemId::new)
            .ok_or_else(|| Error::Protocol(format!("{} returned no id", Self::path("add"))))
    }

    /// Writes the fields of `entry` that are set to the item `id`.
    pub async fn set(&self, id: &ItemId, entry: &T) -> Result<()> {
        let attrs = entry.to_attrs();
        let pairs: Vec<(&str, &str)> = attrs.iter().map(|(n, v)| (*n, v.as_str())).collect();
        self.set_attrs(id, &pairs).await
    }

    /// Writes raw properties to the item `id`.
    pub async fn set_attrs(&self, id: &ItemId, attrs: &[(&str, &str)]) -> Result<()> {
        let mut command = Command::new(&Self::path("set")).id(id);
        for (name, value) in attrs {
            command = command.attr(name, value);
        }
        self.client.command(command).await.map(|_| ())
    }

    /// Removes the item(s) `id` (`*1` or `*1,*2`).
    pub async fn remove(&self, id: &ItemId) -> Result<()> {
        self.client
            .command(Command::new(&Self::path("remove")).id(id))
            .await
            .map(|_| ())
    }

    /// Enables the item(s) `id`.
    pub async fn enable(&self, id: &ItemId) -> Result<()> {
        self.client
            .command(Command::new(&Self::path("enable")).id(id))
            .await
            .map(|_| ())
    }

    /// Disables the item(s) `id`.
    pub async fn disable(&self, id: &ItemId) -> Result<()> {
        self.client
            .command(Command::new(&Self::path("disable")).id(id))
            .await
            .map(|_| ())
    }
}

/// Removes the sessions of `menu` whose `property` equals `value`; returns how many.
pub(crate) async fn remove_matching(
    client: &Client,
    menu: &str,
    property: &str,
    value: &str,
) -> Result<usize> {
    let print = Command::new(&format!("{menu}/print"))
        .query(&format!("{property}={value}"))
        .proplist(&[".id"]);
    let ids: Vec<ItemId> = client
        .command(print)
        .await?
        .items
        .iter()
        .filter_map(Item::id)
        .collect();
    if ids.is_empty() {
        return Ok(0);
    }
    client
        .command(Command::new(&format!("{menu}/remove")).id(&ItemId::join(&ids)))
        .await?;
    Ok(ids.len())
}
