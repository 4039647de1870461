//! The QPay client against a fake QPay over real HTTP: signing in once, refreshing, signing in
//! again, refused credentials, invoices and their bank links, the payment check with amounts as
//! numbers and as text, cancelling, unknown ids, and a QPay that fails, is down, is slow or
//! answers without end.

#[path = "common/fake_qpay.rs"]
mod fake_qpay;

use std::io::{Read as _, Write as _};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use fake_qpay::FakeQPay;
use jiff::{SignedDuration, Timestamp};
use steppe::qpay::{
    BaseUrl, Config, Credentials, Invoice, NewInvoice, PaymentStatus, QPay, QPayError,
};

fn config(fake: &FakeQPay) -> Config {
    Config::new(
        BaseUrl::parse(&fake.url()).expect("the fake's URL"),
        Credentials {
            client_id: FakeQPay::CLIENT_ID.into(),
            client_secret: FakeQPay::CLIENT_SECRET.into(),
        },
        FakeQPay::INVOICE_CODE,
    )
}

fn client(fake: &FakeQPay) -> QPay {
    QPay::new(config(fake))
}

/// A client whose clock runs `ahead` seconds in front of the wall clock, moved by the test.
fn client_with_clock(fake: &FakeQPay) -> (QPay, Arc<AtomicI64>) {
    let ahead = Arc::new(AtomicI64::new(0));
    let read = ahead.clone();
    let mut config = config(fake);
    config.clock = Arc::new(move || {
        Timestamp::now()
            .checked_add(SignedDuration::from_secs(read.load(Ordering::SeqCst)))
            .expect("a time in range")
    });
    (QPay::new(config), ahead)
}

fn new_invoice(no: &str, amount: u64) -> NewInvoice {
    NewInvoice {
        sender_invoice_no: no.into(),
        receiver_code: "C-000042".into(),
        description: format!("Internet, invoice {no}"),
        amount,
        callback_url: format!("http://127.0.0.1:9/qpay/callback?invoice={no}"),
        due_date: None,
    }
}

async fn create(qpay: &QPay, no: &str, amount: u64) -> Invoice {
    qpay.create_invoice(&new_invoice(no, amount))
        .await
        .expect("the invoice is created")
}

fn refused(result: Result<impl std::fmt::Debug, QPayError>, code: &str) {
    match result {
        Err(QPayError::Refused { code: got, .. }) if got == code => {}
        other => panic!("expected QPay's {code}, got {other:?}"),
    }
}

#[tokio::test]
async fn one_token_serves_every_call() {
    let fake = FakeQPay::start();
    let qpay = client(&fake);
    let invoice = create(&qpay, "S-1", 10_000).await;
    qpay.check_payment(&invoice.invoice_id).await.unwrap();
    qpay.invoice(&invoice.invoice_id).await.unwrap();
    qpay.cancel_invoice(&invoice.invoice_id).await.unwrap();
    assert_eq!(fake.tokens_issued(), 1);
    assert_eq!(fake.count("/v2/auth/"), 1);
    assert_eq!(fake.refreshes(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_first_calls_wait_for_one_sign_in() {
    let fake = FakeQPay::start();
    // A slow sign-in, so that every call arrives while it is under way.
    fake.delay(Duration::from_millis(200));
    let qpay = Arc::new(client(&fake));
    let calls: Vec<_> = (0..4)
        .map(|n| {
            let qpay = qpay.clone();
            tokio::spawn(async move {
                qpay.create_invoice(&new_invoice(&format!("C-{n}"), 1000))
                    .await
            })
        })
        .collect();
    for call in calls {
        call.await.unwrap().expect("the invoice is created");
    }
    assert_eq!(fake.tokens_issued(), 1);
    assert_eq!(fake.count("/v2/auth/"), 1);
    assert_eq!(fake.invoices().len(), 4);
}

#[tokio::test]
async fn a_refused_access_token_is_refreshed_not_replaced() {
    let fake = FakeQPay::start();
    let qpay = client(&fake);
    let invoice = create(&qpay, "S-1", 10_000).await;
    fake.expire_tokens();
    let check = qpay.check_payment(&invoice.invoice_id).await.unwrap();
    assert_eq!(check.count, 0);
    assert_eq!((fake.tokens_issued(), fake.refreshes()), (1, 1));
    // The refused call and its retry.
    assert_eq!(fake.count("/v2/payment/check"), 2);
    // The refreshed token is kept.
    qpay.check_payment(&invoice.invoice_id).await.unwrap();
    assert_eq!((fake.tokens_issued(), fake.refreshes()), (1, 1));
    assert_eq!(fake.count("/v2/payment/check"), 3);
}

#[tokio::test]
async fn an_access_token_past_its_time_is_refreshed_before_the_call() {
    let fake = FakeQPay::start();
    let (qpay, ahead) = client_with_clock(&fake);
    let invoice = create(&qpay, "S-1", 10_000).await;
    ahead.store(2 * 3600, Ordering::SeqCst);
    qpay.check_payment(&invoice.invoice_id).await.unwrap();
    assert_eq!((fake.tokens_issued(), fake.refreshes()), (1, 1));
    // No call is spent on a token known to be out of date.
    assert_eq!(fake.count("/v2/payment/check"), 1);
}

#[tokio::test]
async fn a_refused_refresh_token_means_signing_in_again() {
    let fake = FakeQPay::start();
    let qpay = client(&fake);
    let invoice = create(&qpay, "S-1", 10_000).await;
    fake.expire_tokens();
    fake.expire_refresh_tokens();
    qpay.check_payment(&invoice.invoice_id).await.unwrap();
    assert_eq!((fake.tokens_issued(), fake.refreshes()), (2, 0));
    assert_eq!(fake.count("/v2/auth/refresh"), 1);
    assert_eq!(fake.count("/v2/payment/check"), 2);
}

#[tokio::test]
async fn both_tokens_past_their_time_means_signing_in_again_without_refreshing() {
    let fake = FakeQPay::start();
    let (qpay, ahead) = client_with_clock(&fake);
    let invoice = create(&qpay, "S-1", 10_000).await;
    ahead.store(3 * 24 * 3600, Ordering::SeqCst);
    qpay.check_payment(&invoice.invoice_id).await.unwrap();
    assert_eq!((fake.tokens_issued(), fake.refreshes()), (2, 0));
    assert_eq!(fake.count("/v2/auth/refresh"), 0);
    assert_eq!(fake.count("/v2/payment/check"), 1);
}

fn assert_credentials_refused(result: Result<impl std::fmt::Debug, QPayError>) {
    let e = result.expect_err("the credentials are refused");
    assert_eq!(
        e,
        QPayError::Credentials {
            code: "AUTHENTICATION_FAILED".into()
        }
    );
    assert_eq!(e.code(), Some("AUTHENTICATION_FAILED"));
    let text = e.to_string();
    assert!(
        text.contains("AUTHENTICATION_FAILED") && text.contains("client id and secret"),
        "{text}"
    );
}

#[tokio::test]
async fn refused_credentials_are_told_apart_and_nothing_else_is_sent() {
    let fake = FakeQPay::start();
    fake.refuse_credentials(true);
    let qpay = client(&fake);
    assert_credentials_refused(qpay.create_invoice(&new_invoice("S-1", 1000)).await);
    assert_eq!(fake.count("/v2/invoice"), 0);
    assert_eq!(fake.tokens_issued(), 0);

    // A wrong secret, with the fake otherwise willing.
    fake.refuse_credentials(false);
    let mut wrong = config(&fake);
    wrong.credentials.client_secret = "not-the-secret".into();
    assert_credentials_refused(QPay::new(wrong).check_payment("abc").await);
    assert_eq!(fake.count("/v2/payment/check"), 0);
}

#[tokio::test]
async fn credentials_revoked_while_signed_in_end_in_the_same_error() {
    let fake = FakeQPay::start();
    let qpay = client(&fake);
    let invoice = create(&qpay, "S-1", 1000).await;
    fake.refuse_credentials(true);
    fake.expire_tokens();
    fake.expire_refresh_tokens();
    assert_credentials_refused(qpay.check_payment(&invoice.invoice_id).await);
    // One refused call, one refused refresh, one refused sign-in: no loop.
    assert_eq!(fake.count("/v2/payment/check"), 1);
    assert_eq!(fake.count("/v2/auth/"), 3);
}

#[tokio::test]
async fn a_created_invoice_carries_the_qr_and_the_bank_links() {
    let fake = FakeQPay::start();
    let qpay = client(&fake);
    let invoice = create(&qpay, "S-77", 25_000).await;

    let held = fake.invoice_by_number("S-77").expect("the fake holds it");
    assert_eq!(invoice.invoice_id, held.invoice_id);
    assert_eq!(
        (held.amount, held.receiver_code.as_str()),
        (25_000, "C-000042")
    );
    assert_eq!(
        held.callback_url,
        "http://127.0.0.1:9/qpay/callback?invoice=S-77"
    );

    assert!(invoice.qr_text.len() > 100, "{}", invoice.qr_text);
    assert!(invoice.qr_image.starts_with("iVBORw0KGgo"), "a base64 PNG");
    assert!(
        invoice.short_url.starts_with("https://s.qpay.mn/"),
        "{}",
        invoice.short_url
    );
    let names: Vec<&str> = invoice.urls.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["Khan bank", "State bank", "Social Pay"]);
    let khan = &invoice.urls[0];
    assert_eq!(khan.description, "Хаан банк");
    assert_eq!(
        khan.link,
        format!("khanbank://q?qPay_QRcode={}", invoice.qr_text)
    );
    for app in &invoice.urls {
        assert!(app.logo.starts_with("https://"), "{app:?}");
        assert!(app.link.contains(&invoice.qr_text), "{app:?}");
    }
}

#[tokio::test]
async fn a_repeated_invoice_number_is_refused() {
    let fake = FakeQPay::start();
    let qpay = client(&fake);
    create(&qpay, "S-1", 1000).await;
    refused(
        qpay.create_invoice(&new_invoice("S-1", 2000)).await,
        "SENDER_INVOICE_NO_DUPLICATED",
    );
    assert_eq!(fake.invoices().len(), 1);
    assert_eq!(fake.invoices()[0].amount, 1000);
}

#[tokio::test]
async fn the_configured_invoice_code_is_sent() {
    let fake = FakeQPay::start();
    let mut other = config(&fake);
    other.invoice_code = "SOMEONE_ELSES".into();
    refused(
        QPay::new(other)
            .create_invoice(&new_invoice("S-1", 1000))
            .await,
        "INVOICE_CODE_INVALID",
    );
    assert!(fake.invoices().is_empty());
}

#[tokio::test]
async fn unusable_input_is_refused_before_anything_is_sent() {
    let fake = FakeQPay::start();
    let qpay = client(&fake);
    for invoice in [new_invoice("S-1", 0), new_invoice("", 1000)] {
        let e = qpay.create_invoice(&invoice).await.unwrap_err();
        assert!(matches!(e, QPayError::Invalid(_)), "{e:?}");
    }
    let e = qpay.invoice("../auth/token").await.unwrap_err();
    assert!(matches!(e, QPayError::Invalid(_)), "{e:?}");
    let e = qpay.cancel_invoice("a/b").await.unwrap_err();
    assert!(matches!(e, QPayError::Invalid(_)), "{e:?}");
    assert_eq!(fake.count("/"), 0);
}

#[tokio::test]
async fn the_payment_check_reads_paid_rows_as_numbers_and_as_text() {
    for as_text in [false, true] {
        let fake = FakeQPay::start();
        fake.amounts_as_strings(as_text);
        let qpay = client(&fake);
        let ours = create(&qpay, "S-1", 10_000).await;
        let theirs = create(&qpay, "S-2", 3000).await;
        let first = fake.pay("S-1", 6000);
        let second = fake.pay("S-1", 4000);
        fake.pay("S-2", 3000);

        let check = qpay.check_payment(&ours.invoice_id).await.unwrap();
        assert_eq!((check.count, check.paid_amount), (2, 10_000), "{as_text}");
        let rows: Vec<_> = check
            .rows
            .iter()
            .map(|r| (r.payment_id.as_str(), r.status.clone(), r.amount))
            .collect();
        assert_eq!(
            rows,
            [
                (first.as_str(), PaymentStatus::Paid, 6000),
                (second.as_str(), PaymentStatus::Paid, 4000),
            ],
            "{as_text}"
        );
        assert!(check.rows.iter().all(|r| r.currency == "MNT"));

        let check = qpay.check_payment(&theirs.invoice_id).await.unwrap();
        assert_eq!((check.count, check.paid_amount), (1, 3000), "{as_text}");

        let unpaid = create(&qpay, "S-3", 500).await;
        let check = qpay.check_payment(&unpaid.invoice_id).await.unwrap();
        assert_eq!((check.count, check.paid_amount), (0, 0), "{as_text}");
        assert!(check.rows.is_empty());
    }
}

#[tokio::test]
async fn the_invoice_state_follows_payment_and_cancelling() {
    for as_text in [false, true] {
        let fake = FakeQPay::start();
        fake.amounts_as_strings(as_text);
        let qpay = client(&fake);
        let paid = create(&qpay, "S-1", 10_000).await;
        let state = qpay.invoice(&paid.invoice_id).await.unwrap();
        assert_eq!(state.invoice_id, paid.invoice_id);
        assert_eq!(state.sender_invoice_no, "S-1");
        assert_eq!((state.status.as_str(), state.amount), ("OPEN", 10_000));
        fake.pay("S-1", 10_000);
        let state = qpay.invoice(&paid.invoice_id).await.unwrap();
        assert_eq!(state.status, "PAID", "{as_text}");

        let dropped = create(&qpay, "S-2", 2000).await;
        qpay.cancel_invoice(&dropped.invoice_id).await.unwrap();
        let state = qpay.invoice(&dropped.invoice_id).await.unwrap();
        assert_eq!(state.status, "CANCELLED", "{as_text}");
    }
}

#[tokio::test]
async fn cancelling_marks_the_invoice_and_a_paid_one_is_refused() {
    let fake = FakeQPay::start();
    let qpay = client(&fake);
    let open = create(&qpay, "S-1", 1000).await;
    qpay.cancel_invoice(&open.invoice_id).await.unwrap();
    assert!(fake.invoice_by_number("S-1").unwrap().cancelled);
    assert_eq!(fake.count("/v2/invoice/"), 1);

    let paid = create(&qpay, "S-2", 1000).await;
    fake.pay("S-2", 1000);
    refused(qpay.cancel_invoice(&paid.invoice_id).await, "INVOICE_PAID");
    assert!(!fake.invoice_by_number("S-2").unwrap().cancelled);
}

#[tokio::test]
async fn an_unknown_invoice_is_not_found() {
    let fake = FakeQPay::start();
    let qpay = client(&fake);
    let unknown = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
    refused(qpay.invoice(unknown).await, "INVOICE_NOTFOUND");
    refused(qpay.cancel_invoice(unknown).await, "INVOICE_NOTFOUND");
    refused(qpay.check_payment(unknown).await, "INVOICE_NOTFOUND");
    let e = qpay.invoice(unknown).await.unwrap_err();
    assert_eq!(e.code(), Some("INVOICE_NOTFOUND"));
    assert!(e.to_string().contains("INVOICE_NOTFOUND"), "{e}");
    assert_eq!(fake.tokens_issued(), 1);
}

#[tokio::test]
async fn a_server_error_fails_one_call_only() {
    let fake = FakeQPay::start();
    let qpay = client(&fake);
    // On the sign-in itself.
    fake.fail_next(1);
    let e = qpay
        .create_invoice(&new_invoice("S-1", 1000))
        .await
        .unwrap_err();
    assert!(!matches!(e, QPayError::Credentials { .. }), "{e:?}");
    let invoice = create(&qpay, "S-1", 1000).await;

    // On a call, with a token held: the token is not thrown away for it.
    fake.fail_next(1);
    let e = qpay.check_payment(&invoice.invoice_id).await.unwrap_err();
    assert!(
        matches!(&e, QPayError::Refused { code, .. } if code == "INTERNAL_SERVER_ERROR"),
        "{e:?}"
    );
    qpay.check_payment(&invoice.invoice_id).await.unwrap();
    assert_eq!((fake.tokens_issued(), fake.refreshes()), (1, 0));
}

#[tokio::test]
async fn a_qpay_that_is_down_fails_quickly() {
    let fake = FakeQPay::start();
    let qpay = client(&fake);
    let invoice = create(&qpay, "S-1", 1000).await;
    fake.down(true);
    let started = Instant::now();
    let e = qpay.check_payment(&invoice.invoice_id).await.unwrap_err();
    assert!(matches!(e, QPayError::Unreachable(_)), "{e:?}");
    assert!(started.elapsed() < Duration::from_secs(2), "{e}");
    // Nor does a fresh client hang on the sign-in.
    let started = Instant::now();
    let e = client(&fake).check_payment("abc").await.unwrap_err();
    assert!(matches!(e, QPayError::Unreachable(_)), "{e:?}");
    assert!(started.elapsed() < Duration::from_secs(2), "{e}");

    fake.down(false);
    qpay.check_payment(&invoice.invoice_id).await.unwrap();
}

#[tokio::test]
async fn nothing_listening_is_unreachable() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let base = BaseUrl::parse(&format!("http://127.0.0.1:{port}")).unwrap();
    let mut config = Config::new(
        base,
        Credentials {
            client_id: "x".into(),
            client_secret: "y".into(),
        },
        "INV",
    );
    config.timeout = Duration::from_secs(2);
    let e = QPay::new(config).check_payment("abc").await.unwrap_err();
    assert!(matches!(e, QPayError::Unreachable(_)), "{e:?}");
}

#[tokio::test]
async fn a_slow_qpay_is_given_up_on_at_the_time_limit() {
    let fake = FakeQPay::start();
    let mut config = config(&fake);
    config.timeout = Duration::from_millis(300);
    let qpay = QPay::new(config);
    let invoice = create(&qpay, "S-1", 1000).await;
    fake.delay(Duration::from_secs(5));
    let started = Instant::now();
    let e = qpay.check_payment(&invoice.invoice_id).await.unwrap_err();
    let took = started.elapsed();
    assert!(matches!(e, QPayError::Unreachable(_)), "{e:?}");
    assert!(e.to_string().contains("300 ms"), "{e}");
    assert!(
        took >= Duration::from_millis(250) && took < Duration::from_secs(2),
        "{took:?}"
    );
    fake.delay(Duration::ZERO);
    qpay.check_payment(&invoice.invoice_id).await.unwrap();
}

#[tokio::test]
async fn an_endless_answer_is_cut_off_at_the_cap() {
    let fake = FakeQPay::start();
    let qpay = client(&fake);
    let invoice = create(&qpay, "S-1", 1000).await;
    fake.huge_reply(true);
    for result in [
        qpay.check_payment(&invoice.invoice_id).await.map(drop),
        // And on the sign-in.
        client(&fake).check_payment("abc").await.map(drop),
    ] {
        // Read whole, it would fail later and otherwise: as JSON that does not parse.
        let e = result.unwrap_err();
        assert!(
            matches!(&e, QPayError::Malformed(why) if why.contains("larger than 512 KiB")),
            "{e:?}"
        );
    }
    fake.huge_reply(false);
    qpay.check_payment(&invoice.invoice_id).await.unwrap();
}

#[test]
fn the_callback_is_a_plain_get_of_the_callback_url() {
    let fake = FakeQPay::start();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (mut tcp, _) = listener.accept().unwrap();
        let mut head = Vec::new();
        let mut buf = [0u8; 1024];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = tcp.read(&mut buf).unwrap();
            assert!(n > 0, "the request ended early");
            head.extend_from_slice(&buf[..n]);
        }
        tcp.write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
            .unwrap();
        String::from_utf8(head).unwrap()
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let qpay = client(&fake);
    let mut invoice = new_invoice("S-1", 1000);
    invoice.callback_url = format!("http://127.0.0.1:{port}/qpay/callback?invoice=S-1");
    runtime.block_on(qpay.create_invoice(&invoice)).unwrap();

    assert_eq!(fake.call_back("S-1"), 204);
    let request = server.join().unwrap();
    assert!(
        request.starts_with("GET /qpay/callback?invoice=S-1 HTTP/1.1\r\n"),
        "{request}"
    );
    assert!(!request.to_ascii_lowercase().contains("authorization"));
    // Nobody listening any more.
    assert_eq!(fake.call_back("S-1"), 0);
}
