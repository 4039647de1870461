//! Reading and writing whole sentences on an async byte stream, for the phases (login, the
//! simulator's request loop) that talk to the peer directly rather than through the client's
//! reader task.

use tokio::io::{AsyncRead, AsyncReadExt};

use super::codec::{CodecError, Decoder, Sentence};

/// Why no sentence could be read.
#[derive(Debug)]
pub enum ReadError {
    /// The stream is not valid API framing.
    Codec(CodecError),
    /// The socket failed.
    Io(std::io::Error),
    /// The peer closed the stream (possibly mid-sentence).
    Eof,
}

/// Reads until `decoder` yields one sentence. Bytes past it stay in the decoder.
pub async fn read_sentence<R: AsyncRead + Unpin>(
    reader: &mut R,
    decoder: &mut Decoder,
) -> Result<Sentence, ReadError> {
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(sentence) = decoder.next_sentence().map_err(ReadError::Codec)? {
            return Ok(sentence);
        }
        let n = reader.read(&mut chunk).await.map_err(ReadError::Io)?;
        if n == 0 {
            return Err(ReadError::Eof);
        }
        decoder.feed(&chunk[..n]);
    }
}
