use super::*;
use crate::routeros::hex;

const LENGTH_VECTORS: &[(u32, &str)] = &[
    (0, "00"),
    (1, "01"),
    (0x7F, "7F"),
    (0x80, "8080"),
    (0x81, "8081"),
    (130, "8082"),
    (0x87, "8087"),
    (300, "812C"),
    (0x3FFF, "BFFF"),
    (0x4000, "C04000"),
    (17000, "C04268"),
    (0x4321, "C04321"),
    (0x1F_FFFF, "DFFFFF"),
    (0x20_0000, "E0200000"),
    (0x2A_CDEF, "E02ACDEF"),
    (0xFFF_FFFF, "EFFFFFFF"),
    (0x1000_0000, "F010000000"),
    (0x1000_0080, "F010000080"),
    (0xFFFF_FFFF, "F0FFFFFFFF"),
];

#[test]
fn every_length_vector_encodes_and_decodes() {
    for &(value, hex_bytes) in LENGTH_VECTORS {
        let expected = hex::decode(hex_bytes).expect("vector is hex");
        let mut out = Vec::new();
        encode_length(value, &mut out);
        assert_eq!(out, expected, "encoding {value:#X}");
        assert_eq!(
            length_prefix_len(usize::try_from(value).expect("fits")),
            expected.len()
        );
        assert_eq!(
            decode_length(&expected),
            Ok(Length::Complete {
                len: value,
                prefix: expected.len()
            }),
            "decoding {hex_bytes}"
        );
        assert_eq!(
            decode_length(&expected[..expected.len() - 1]),
            Ok(Length::Incomplete)
        );
    }
}

#[test]
fn wire_len_is_the_encoded_size() {
    let s = Sentence::new(vec![b"!re".to_vec(), vec![b'x'; 200], b".tag=7".to_vec()]);
    assert_eq!(s.wire_len(), s.encode().expect("encodes").len());
}

#[test]
fn control_bytes_are_rejected() {
    for b in 0xF8..=0xFF_u8 {
        assert_eq!(
            decode_length(&[b, 0, 0, 0, 0]),
            Err(CodecError::ControlByte(b))
        );
    }
    let mut d = Decoder::default();
    d.feed(&[0x01, b'a', 0xF8]);
    assert_eq!(d.next_sentence(), Err(CodecError::ControlByte(0xF8)));
    assert_eq!(
        d.next_sentence(),
        Err(CodecError::ControlByte(0xF8)),
        "stays failed"
    );
}

#[test]
fn login_sentence_vector() {
    let expected = hex::decode("062F6C6F67696E0B3D6E616D653D61646D696E0A3D70617373776F72643D00")
        .expect("vector is hex");
    let words = [&b"/login"[..], b"=name=admin", b"=password="];
    assert_eq!(encode_sentence(&words), Ok(expected.clone()));

    let mut d = Decoder::default();
    d.feed(&expected);
    let s = d.next_sentence().expect("valid").expect("complete");
    assert_eq!(s.head(), b"/login");
    assert_eq!(s.attribute("name"), Some(&b"admin"[..]));
    assert_eq!(s.attribute("password"), Some(&b""[..]));
    assert_eq!(d.next_sentence(), Ok(None));
}

#[test]
fn multibyte_characters_count_as_bytes() {
    let s = encode_sentence(&["ł"]).expect("encodable");
    assert_eq!(s, vec![2, 0xC5, 0x82, 0]);
}

#[test]
fn attribute_words_split_at_the_first_inner_equals() {
    let check = |word: &str, expected: Word<'_>| {
        assert_eq!(Word::parse(word.as_bytes()), expected, "{word}")
    };
    check(
        "=name=iu=c3Eeg",
        Word::Attribute {
            name: b"name",
            value: b"iu=c3Eeg",
        },
    );
    check(
        "=comment=",
        Word::Attribute {
            name: b"comment",
            value: b"",
        },
    );
    check(
        "=.id=*1A",
        Word::Attribute {
            name: b".id",
            value: b"*1A",
        },
    );
    check(
        "=flag",
        Word::Attribute {
            name: b"flag",
            value: b"",
        },
    );
    check(
        ".tag=42",
        Word::Api {
            name: b".tag",
            value: b"42",
        },
    );
    check("?>uptime=5", Word::Query(b">uptime=5"));
    check("!done", Word::Other(b"!done"));
    check(
        "session terminated on request",
        Word::Other(b"session terminated on request"),
    );
}

#[test]
fn sentence_accessors() {
    let s = Sentence::new(vec![
        b"!re".to_vec(),
        b".tag=7".to_vec(),
        b"=name=a=b".to_vec(),
        b"?x".to_vec(),
    ]);
    assert_eq!(s.tag(), Some(&b"7"[..]));
    assert_eq!(s.attribute("name"), Some(&b"a=b"[..]));
    assert_eq!(s.queries().collect::<Vec<_>>(), vec![&b"x"[..]]);
}

#[test]
fn decoder_takes_one_byte_at_a_time_and_skips_empty_sentences() {
    let mut stream = vec![0];
    stream.extend(encode_sentence(&["!re", "=name=x"]).expect("encodable"));
    stream.extend(encode_sentence(&["!done"]).expect("encodable"));
    let mut d = Decoder::default();
    let mut got = Vec::new();
    for b in stream {
        d.feed(&[b]);
        while let Some(s) = d.next_sentence().expect("valid") {
            got.push(s);
        }
    }
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].head(), b"!re");
    assert_eq!(got[1].head(), b"!done");
    assert_eq!(d.buffered(), 0);
}

#[test]
fn huge_announced_word_is_refused_before_allocating() {
    let mut d = Decoder::new(1024, 4096);
    d.feed(&[0xF0, 0xFF, 0xFF, 0xFF, 0xFF]);
    assert_eq!(
        d.next_sentence(),
        Err(CodecError::WordTooLong {
            len: 0xFFFF_FFFF,
            max: 1024
        })
    );
}

#[test]
fn many_small_words_hit_the_sentence_limit() {
    let mut d = Decoder::new(1024, 100);
    for _ in 0..60 {
        d.feed(&[2, b'a', b'b']);
    }
    assert_eq!(
        d.next_sentence(),
        Err(CodecError::SentenceTooLong { max: 100 })
    );
}

/// Deterministic xorshift so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap_or(0)
    }

    fn byte(&mut self) -> u8 {
        self.next().to_le_bytes()[0]
    }
}

/// Feeds `bytes` in random chunks; every call to `next_sentence` must consume or stop.
fn drain(d: &mut Decoder, bytes: &[u8], rng: &mut Rng) -> Result<Vec<Sentence>, CodecError> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let n = 1 + rng.below(rest.len().min(64));
        d.feed(&rest[..n]);
        rest = &rest[n..];
        while let Some(s) = d.next_sentence()? {
            out.push(s);
        }
    }
    Ok(out)
}

#[test]
fn decoder_survives_arbitrary_bytes() {
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    for _ in 0..200_000 {
        let len = rng.below(48);
        // Mostly small length bytes so inputs often contain whole words and sentences.
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                if rng.below(4) == 0 {
                    rng.byte()
                } else {
                    rng.byte() % 8
                }
            })
            .collect();
        let mut d = Decoder::new(4096, 16 * 1024);
        if let Ok(sentences) = drain(&mut d, &bytes, &mut rng) {
            assert!(
                sentences
                    .iter()
                    .all(|s| !s.words.is_empty() && s.words.iter().all(|w| !w.is_empty()))
            );
            assert!(d.buffered() <= bytes.len());
        }
    }
}

#[test]
fn sentences_round_trip_through_any_chunking() {
    let mut rng = Rng(0xC0FF_EE00_1234_5678);
    for _ in 0..3_000 {
        let sentences: Vec<Vec<Vec<u8>>> = (0..1 + rng.below(4))
            .map(|_| {
                (0..1 + rng.below(6))
                    .map(|_| {
                        let len = match rng.below(20) {
                            0 => 0x80 + rng.below(0x4000),
                            1 => 0x4000 + rng.below(2000),
                            _ => 1 + rng.below(40),
                        };
                        (0..len).map(|_| rng.byte()).collect()
                    })
                    .collect()
            })
            .collect();
        let mut stream = Vec::new();
        for s in &sentences {
            stream.extend(encode_sentence(s).expect("encodable"));
        }
        let mut d = Decoder::default();
        let decoded = drain(&mut d, &stream, &mut rng).expect("valid stream");
        let words: Vec<Vec<Vec<u8>>> = decoded.into_iter().map(|s| s.words).collect();
        assert_eq!(words, sentences);
    }
}
