//! The RouterOS API wire format: length-prefixed words grouped into sentences.
//!
//! Both the client and the simulator speak through this module, so a bug here shows up in both
//! directions of every test. Words are bytes, not text: the router's charset follows the Winbox
//! codepage, so decoding to `str` is left to the caller (lossily, see [`lossy`]).
//!
//! [`Decoder`] is fed whatever chunks the socket hands us and yields complete sentences. It bounds
//! the size of a word and of a sentence so a hostile or broken peer cannot make us allocate
//! gigabytes by announcing a huge length.

use std::borrow::Cow;
use std::fmt;

/// Default upper bound for one word; far above anything RouterOS sends for the menus we use.
pub const DEFAULT_MAX_WORD_LEN: usize = 16 * 1024 * 1024;
/// Default upper bound for all words of one sentence together.
pub const DEFAULT_MAX_SENTENCE_LEN: usize = 64 * 1024 * 1024;

/// Why a byte stream is not a valid RouterOS API stream.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CodecError {
    /// A length prefix started with one of the reserved control bytes 0xF8–0xFF.
    ControlByte(u8),
    /// A word announced more bytes than the configured limit.
    WordTooLong { len: u64, max: usize },
    /// The words of one sentence add up to more than the configured limit.
    SentenceTooLong { max: usize },
    /// A word to encode is longer than the protocol can express (4 GiB).
    Unencodable(usize),
}

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodecError::ControlByte(b) => {
                write!(f, "control byte 0x{b:02X} where a word length was expected")
            }
            CodecError::WordTooLong { len, max } => {
                write!(f, "word of {len} bytes exceeds the limit of {max}")
            }
            CodecError::SentenceTooLong { max } => {
                write!(f, "sentence exceeds the limit of {max} bytes")
            }
            CodecError::Unencodable(len) => {
                write!(f, "word of {len} bytes is too long for the API")
            }
        }
    }
}

impl std::error::Error for CodecError {}

/// Appends the length prefix for a word of `len` bytes.
pub fn encode_length(len: u32, out: &mut Vec<u8>) {
    let bytes = len.to_be_bytes();
    match len {
        0..=0x7F => out.push(bytes[3]),
        0x80..=0x3FFF => out.extend_from_slice(&(len | 0x8000).to_be_bytes()[2..]),
        0x4000..=0x1F_FFFF => out.extend_from_slice(&(len | 0xC0_0000).to_be_bytes()[1..]),
        0x20_0000..=0xFFF_FFFF => out.extend_from_slice(&(len | 0xE000_0000).to_be_bytes()),
        _ => {
            out.push(0xF0);
            out.extend_from_slice(&bytes);
        }
    }
}

/// Result of looking at the start of a buffer for a length prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Length {
    /// The prefix is complete: the word length and how many bytes the prefix took.
    Complete { len: u32, prefix: usize },
    /// More bytes are needed to know the length.
    Incomplete,
}

/// How many bytes the length prefix of a word of `len` bytes takes.
pub fn length_prefix_len(len: usize) -> usize {
    match len {
        0..=0x7F => 1,
        0x80..=0x3FFF => 2,
        0x4000..=0x1F_FFFF => 3,
        0x20_0000..=0xFFF_FFFF => 4,
        _ => 5,
    }
}

/// Reads a length prefix from the start of `buf`.
pub fn decode_length(buf: &[u8]) -> Result<Length, CodecError> {
    let Some(&first) = buf.first() else {
        return Ok(Length::Incomplete);
    };
    let (prefix, mask): (usize, u8) = match first {
        0x00..=0x7F => (1, 0x7F),
        0x80..=0xBF => (2, 0x3F),
        0xC0..=0xDF => (3, 0x1F),
        0xE0..=0xEF => (4, 0x0F),
        0xF0..=0xF7 => (5, 0x00),
        _ => return Err(CodecError::ControlByte(first)),
    };
    let Some(rest) = buf.get(1..prefix) else {
        return Ok(Length::Incomplete);
    };
    let len = rest
        .iter()
        .fold(u32::from(first & mask), |acc, &b| (acc << 8) | u32::from(b));
    Ok(Length::Complete { len, prefix })
}

/// Appends one word (length prefix and bytes).
pub fn encode_word(word: &[u8], out: &mut Vec<u8>) -> Result<(), CodecError> {
    let len = u32::try_from(word.len()).map_err(|_| CodecError::Unencodable(word.len()))?;
    encode_length(len, out);
    out.extend_from_slice(word);
    Ok(())
}

/// Encodes a whole sentence, including the terminating empty word.
pub fn encode_sentence<W: AsRef<[u8]>>(words: &[W]) -> Result<Vec<u8>, CodecError> {
    let mut out = Vec::with_capacity(words.iter().map(|w| w.as_ref().len() + 2).sum::<usize>() + 1);
    for word in words {
        encode_word(word.as_ref(), &mut out)?;
    }
    out.push(0);
    Ok(out)
}

/// Views a word as text, replacing bytes that are not UTF-8.
pub fn lossy(word: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(word)
}

/// What a single word means, by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Word<'a> {
    /// `=name=value`: split at the first `=` after the leading one.
    Attribute { name: &'a [u8], value: &'a [u8] },
    /// `.tag=X` and other API attributes without a leading `=`.
    Api { name: &'a [u8], value: &'a [u8] },
    /// `?…`, a query word (the text after `?`).
    Query(&'a [u8]),
    /// Anything else: a command path, a reply word such as `!re`, or a bare reason after `!fatal`.
    Other(&'a [u8]),
}

impl<'a> Word<'a> {
    /// Classifies a word.
    pub fn parse(word: &'a [u8]) -> Word<'a> {
        match word.first() {
            Some(b'=') => {
                let body = &word[1..];
                match body.iter().position(|&b| b == b'=') {
                    Some(i) => Word::Attribute {
                        name: &body[..i],
                        value: &body[i + 1..],
                    },
                    None => Word::Attribute {
                        name: body,
                        value: &[],
                    },
                }
            }
            Some(b'.') => match word.iter().position(|&b| b == b'=') {
                Some(i) => Word::Api {
                    name: &word[..i],
                    value: &word[i + 1..],
                },
                None => Word::Other(word),
            },
            Some(b'?') => Word::Query(&word[1..]),
            _ => Word::Other(word),
        }
    }
}

/// Builds an attribute word `=name=value`.
pub fn attribute_word(name: &str, value: &[u8]) -> Vec<u8> {
    let mut w = Vec::with_capacity(name.len() + value.len() + 2);
    w.push(b'=');
    w.extend_from_slice(name.as_bytes());
    w.push(b'=');
    w.extend_from_slice(value);
    w
}

/// Builds the API attribute word `.tag=X`.
pub fn tag_word(tag: &str) -> Vec<u8> {
    format!(".tag={tag}").into_bytes()
}

/// One complete sentence: its words in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Sentence {
    pub words: Vec<Vec<u8>>,
}

impl Sentence {
    /// Wraps words into a sentence.
    pub fn new(words: Vec<Vec<u8>>) -> Sentence {
        Sentence { words }
    }

    /// The first word: the command of a request or the kind of a reply (`!re`, `!done`, …).
    pub fn head(&self) -> &[u8] {
        self.words.first().map_or(&[][..], Vec::as_slice)
    }

    /// The value of the `.tag` API attribute, if any.
    pub fn tag(&self) -> Option<&[u8]> {
        self.words
            .iter()
            .skip(1)
            .find_map(|w| match Word::parse(w) {
                Word::Api {
                    name: b".tag",
                    value,
                } => Some(value),
                _ => None,
            })
    }

    /// All `=name=value` attributes in order.
    pub fn attributes(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.words
            .iter()
            .skip(1)
            .filter_map(|w| match Word::parse(w) {
                Word::Attribute { name, value } => Some((name, value)),
                _ => None,
            })
    }

    /// The value of the first attribute called `name`.
    pub fn attribute(&self, name: &str) -> Option<&[u8]> {
        self.attributes()
            .find(|(n, _)| *n == name.as_bytes())
            .map(|(_, v)| v)
    }

    /// All query words (the text after `?`) in order.
    pub fn queries(&self) -> impl Iterator<Item = &[u8]> {
        self.words
            .iter()
            .skip(1)
            .filter_map(|w| match Word::parse(w) {
                Word::Query(q) => Some(q),
                _ => None,
            })
    }

    /// The bytes this sentence takes on the wire, terminating empty word included.
    pub fn wire_len(&self) -> usize {
        self.words
            .iter()
            .map(|w| length_prefix_len(w.len()) + w.len())
            .sum::<usize>()
            + 1
    }

    /// Encodes the sentence for the wire.
    pub fn encode(&self) -> Result<Vec<u8>, CodecError> {
        encode_sentence(&self.words)
    }
}

/// Turns a byte stream, fed in arbitrary chunks, into sentences.
///
/// After an error the stream cannot be resynchronised; the decoder keeps returning the error.
#[derive(Debug)]
pub struct Decoder {
    buf: Vec<u8>,
    pos: usize,
    words: Vec<Vec<u8>>,
    sentence_len: usize,
    max_word_len: usize,
    max_sentence_len: usize,
    failed: Option<CodecError>,
}

impl Default for Decoder {
    fn default() -> Self {
        Decoder::new(DEFAULT_MAX_WORD_LEN, DEFAULT_MAX_SENTENCE_LEN)
    }
}

impl Decoder {
    /// A decoder refusing words over `max_word_len` and sentences over `max_sentence_len` bytes.
    pub fn new(max_word_len: usize, max_sentence_len: usize) -> Decoder {
        Decoder {
            buf: Vec::new(),
            pos: 0,
            words: Vec::new(),
            sentence_len: 0,
            max_word_len,
            max_sentence_len,
            failed: None,
        }
    }

    /// Adds bytes received from the stream.
    pub fn feed(&mut self, chunk: &[u8]) {
        // Reclaim consumed bytes before growing, so a long-lived connection keeps a small buffer.
        if self.pos > 0 && (self.pos == self.buf.len() || self.pos >= 8192) {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        self.buf.extend_from_slice(chunk);
    }

    /// Bytes received but not yet part of a returned sentence.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.pos + self.sentence_len
    }

    /// The next complete, non-empty sentence, or `None` until more bytes arrive.
    pub fn next_sentence(&mut self) -> Result<Option<Sentence>, CodecError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        loop {
            let rest = &self.buf[self.pos..];
            let (len, prefix) = match decode_length(rest) {
                Ok(Length::Complete { len, prefix }) => (len, prefix),
                Ok(Length::Incomplete) => return Ok(None),
                Err(e) => return Err(self.fail(e)),
            };
            let len_usize = usize::try_from(len).unwrap_or(usize::MAX);
            if len_usize > self.max_word_len {
                let max = self.max_word_len;
                return Err(self.fail(CodecError::WordTooLong {
                    len: u64::from(len),
                    max,
                }));
            }
            if self.sentence_len.saturating_add(len_usize) > self.max_sentence_len {
                let max = self.max_sentence_len;
                return Err(self.fail(CodecError::SentenceTooLong { max }));
            }
            let Some(word) = rest.get(prefix..prefix + len_usize) else {
                return Ok(None);
            };
            let word = word.to_vec();
            self.pos += prefix + len_usize;
            if word.is_empty() {
                self.sentence_len = 0;
                let words = std::mem::take(&mut self.words);
                if !words.is_empty() {
                    return Ok(Some(Sentence { words }));
                }
            } else {
                self.sentence_len += word.len();
                self.words.push(word);
            }
        }
    }

    fn fail(&mut self, e: CodecError) -> CodecError {
        self.failed = Some(e.clone());
        self.buf = Vec::new();
        self.words = Vec::new();
        e
    }
}

#[cfg(test)]
mod tests;
