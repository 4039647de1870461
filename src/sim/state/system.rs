//! The system menus that hold a single item (identity, resource, clock, routerboard) and
//! `/tool/sms/send`.

use super::{Request, RouterState, Sms, Words, done, trap};
use crate::routeros::codec::attribute_word;
use crate::sim::boolean;

impl RouterState {
    /// Replies to a command on one of these menus; `None` if `menu` is none of them.
    pub(super) fn system_command(
        &mut self,
        menu: &str,
        verb: &str,
        req: &Request,
    ) -> Option<Vec<Words>> {
        let v7 = self.version.at_least(&[7]);
        let reply = match (menu, verb) {
            ("/system/identity", "print" | "getall") => {
                self.single(req, vec![("name", self.identity.clone())])
            }
            ("/system/identity", "set") => {
                if let Some(name) = req.attr("name") {
                    name.clone_into(&mut self.identity);
                }
                vec![done()]
            }
            ("/system/resource", "print" | "getall") => self.single(req, self.resource()),
            ("/system/clock", "print" | "getall") => self.single(req, self.clock.view(v7)),
            ("/system/clock", "set") => match self.clock.set(&req.attrs) {
                Ok(()) => vec![done()],
                Err(message) => trap(message),
            },
            ("/system/routerboard", "print" | "getall") => self.single(req, self.routerboard()),
            ("/tool/sms", "send") => self.send_sms(req),
            _ => return None,
        };
        Some(reply)
    }

    /// The one `!re` of a single-item menu, cut to `.proplist` and with booleans in this
    /// version's spelling.
    fn single(&self, req: &Request, props: Vec<(&'static str, String)>) -> Vec<Words> {
        let proplist: Option<Vec<&str>> = req.attr(".proplist").map(|p| p.split(',').collect());
        let mut words = vec![b"!re".to_vec()];
        for (name, value) in props {
            if proplist.as_ref().is_some_and(|p| !p.contains(&name)) {
                continue;
            }
            let value = if boolean::is_bool(name) {
                boolean::printed(&self.version, &value).to_owned()
            } else {
                value
            };
            words.push(attribute_word(name, value.as_bytes()));
        }
        vec![words, done()]
    }

    /// The board of `resource`: an RB951 on 6.x, an hAP ax² on 7.x (which also names the board
    /// here and ships RouterBOOT in step with RouterOS).
    fn routerboard(&self) -> Vec<(&'static str, String)> {
        let v7 = self.version.at_least(&[7]);
        let mut props = vec![("routerboard", "true".to_owned())];
        if v7 {
            props.push(("board-name", "hAP ax2".to_owned()));
        }
        let (model, serial, firmware_type, factory, current) = if v7 {
            let current = self.version_text.as_str();
            (
                "C52iG-5HaxD2HaxD",
                "HFB09A4C7E2",
                "ipq6000",
                "7.10",
                current,
            )
        } else {
            ("951Ui-2HnD", "5A6B05D1E3F2", "ar9344", "3.19", "3.24")
        };
        props.extend([
            ("model", model.to_owned()),
            ("serial-number", serial.to_owned()),
            ("firmware-type", firmware_type.to_owned()),
            ("factory-firmware", factory.to_owned()),
            ("current-firmware", current.to_owned()),
            ("upgrade-firmware", current.to_owned()),
        ]);
        props
    }

    fn resource(&self) -> Vec<(&'static str, String)> {
        let v7 = self.version.at_least(&[7]);
        vec![
            ("uptime", self.format_uptime(self.booted)),
            ("version", format!("{} (stable)", self.version_text)),
            ("build-time", "2024-10-01 10:00:00".to_owned()),
            ("free-memory", "219283456".to_owned()),
            ("total-memory", "268435456".to_owned()),
            (
                "cpu",
                if v7 { "ARM64" } else { "MIPS 24Kc V7.4" }.to_owned(),
            ),
            ("cpu-count", if v7 { "4" } else { "1" }.to_owned()),
            ("cpu-load", "3".to_owned()),
            ("free-hdd-space", "4096000".to_owned()),
            ("total-hdd-space", "16777216".to_owned()),
            (
                "architecture-name",
                if v7 { "arm64" } else { "mipsbe" }.to_owned(),
            ),
            (
                "board-name",
                if v7 { "hAP ax2" } else { "RB951Ui-2HnD" }.to_owned(),
            ),
            ("platform", "MikroTik".to_owned()),
        ]
    }

    fn send_sms(&mut self, req: &Request) -> Vec<Words> {
        for required in ["phone-number", "message"] {
            if req.attr(required).is_none() {
                return trap(format!("missing value(s) of argument(s) {required}"));
            }
        }
        self.sms.push(Sms {
            port: req.attr("port").unwrap_or("lte1").to_owned(),
            phone: req.attr("phone-number").unwrap_or_default().to_owned(),
            message: req.attr("message").unwrap_or_default().to_owned(),
        });
        vec![done()]
    }
}
