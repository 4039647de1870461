//! Banners shown on the admin login page, each with an active window.

use crate::audit::{self, Actor};
use crate::error::{Error, Result};
use crate::i18n::Msg;
use crate::store::{Kind, Reader, Record, StoreError, Write};
use crate::validate::Problems;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Banner {
    pub id: u64,
    pub title: String,
    pub text: String,
    /// MIME type of the image blob, when there is one.
    #[serde(default)]
    pub image_mime: Option<String>,
    pub starts_on: Date,
    pub ends_on: Date,
    pub active: bool,
    pub created_at: Timestamp,
}

impl Record for Banner {
    const KIND: Kind = Kind::Banners;
}

impl Banner {
    pub fn shown_on(&self, today: Date) -> bool {
        self.active && self.starts_on <= today && today <= self.ends_on
    }
}

pub fn image_key(id: u64) -> String {
    format!("banner:{id}")
}

/// An uploaded image, already checked.
#[derive(Debug, Clone)]
pub struct Image {
    pub mime: String,
    pub bytes: Vec<u8>,
}

pub const MAX_IMAGE_KB: usize = 1024;

/// Accepts only small raster images and SVG, recognised by their bytes, not their name.
pub fn check_image(field: &'static str, bytes: Vec<u8>, p: &mut Problems) -> Option<Image> {
    if bytes.len() > MAX_IMAGE_KB * 1024 {
        p.add_arg(field, Msg::ImageTooLarge, MAX_IMAGE_KB);
        return None;
    }
    let mime = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "image/jpeg"
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        "image/gif"
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        "image/webp"
    } else {
        p.add(field, Msg::ImageType);
        return None;
    };
    Some(Image {
        mime: mime.into(),
        bytes,
    })
}

#[derive(Debug, Clone)]
pub struct BannerDraft {
    pub title: String,
    pub text: String,
    pub starts_on: String,
    pub ends_on: String,
    pub active: bool,
}

struct Checked {
    title: String,
    text: String,
    starts_on: Date,
    ends_on: Date,
}

fn check(d: &BannerDraft, p: &mut Problems) -> Option<Checked> {
    let title = p.text("title", &d.title, 120, true, false);
    let text = p.text("text", &d.text, 2000, false, true);
    let date = |field, s: &str, p: &mut Problems| match s.trim().parse::<Date>() {
        Ok(d) => Some(d),
        Err(_) => {
            p.add(field, Msg::InvalidDate);
            None
        }
    };
    let starts_on = date("starts_on", &d.starts_on, p);
    let ends_on = date("ends_on", &d.ends_on, p);
    if let (Some(s), Some(e)) = (starts_on, ends_on)
        && e < s
    {
        p.add("ends_on", Msg::EndBeforeStart);
    }
    Some(Checked {
        title,
        text,
        starts_on: starts_on?,
        ends_on: ends_on?,
    })
}

/// What to do with the image on save.
pub enum ImageChange {
    Keep,
    Replace(Image),
    Remove,
}

pub fn save(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    id: Option<u64>,
    d: &BannerDraft,
    image: ImageChange,
    mut p: Problems,
) -> Result<Banner> {
    let checked = check(d, &mut p);
    p.check()?;
    let c = checked.ok_or_else(|| Error::Internal("banner check without problems".into()))?;
    let before = match id {
        Some(id) => Some(w.get::<Banner>(id)?.ok_or(Error::NotFound)?),
        None => None,
    };
    let id = match id {
        Some(id) => id,
        None => w.next_id(Kind::Banners)?,
    };
    let mut image_mime = before.as_ref().and_then(|b| b.image_mime.clone());
    match image {
        ImageChange::Keep => {}
        ImageChange::Replace(img) => {
            w.blob_put(&image_key(id), &img.bytes)?;
            image_mime = Some(img.mime);
        }
        ImageChange::Remove => {
            w.blob_remove(&image_key(id))?;
            image_mime = None;
        }
    }
    let b = Banner {
        id,
        title: c.title,
        text: c.text,
        image_mime,
        starts_on: c.starts_on,
        ends_on: c.ends_on,
        active: d.active,
        created_at: before.as_ref().map_or(now, |b| b.created_at),
    };
    w.put(id, &b)?;
    let after = serde_json::to_value(&b).unwrap_or_default();
    let summary = match &before {
        Some(old) => audit::changes(&serde_json::to_value(old).unwrap_or_default(), &after),
        None => audit::snapshot(&after),
    };
    audit::record(
        w,
        now,
        actor,
        if before.is_some() { "update" } else { "create" },
        "banner",
        id,
        summary,
    )?;
    Ok(b)
}

pub fn delete(w: &mut Write, now: Timestamp, actor: &Actor, id: u64) -> Result<()> {
    let b = w.get::<Banner>(id)?.ok_or(Error::NotFound)?;
    w.remove::<Banner>(id)?;
    w.blob_remove(&image_key(id))?;
    audit::record(
        w,
        now,
        actor,
        "delete",
        "banner",
        id,
        audit::snapshot(&serde_json::to_value(&b).unwrap_or_default()),
    )?;
    Ok(())
}

/// The banner for the login page: the newest one shown today.
pub fn current(r: &impl Reader, today: Date) -> Result<Option<Banner>, StoreError> {
    let mut found = None;
    r.scan::<Banner>(true, |b| {
        if b.shown_on(today) {
            found = Some(b);
            false
        } else {
            true
        }
    })?;
    Ok(found)
}
