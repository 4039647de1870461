//! Compresses the OpenAPI document once, at build time: served as it is to the clients that
//! accept gzip (all HTTP libraries do), it is 13 KB in the binary instead of 99 KB
//! (docs/benchmarks.md, "Binary size").

use std::io::Write;

fn main() {
    let src = "src/web/api/openapi.json";
    println!("cargo::rerun-if-changed={src}");
    let json = std::fs::read(src).unwrap_or_else(|e| panic!("reading {src}: {e}"));
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&json).expect("compressing in memory");
    let bytes = gz.finish().expect("compressing in memory");
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    std::fs::write(out.join("openapi.json.gz"), bytes).expect("writing the compressed document");
}
