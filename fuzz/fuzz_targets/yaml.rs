//! Fuzzes the spanned YAML reader (anchors, aliases, merge keys, tags,
//! duplicate keys, the alias budget and the depth limit) and its path API.
#![no_main]

use isolint::syntax::source::FileId;
use isolint::syntax::yaml::parse;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(docs) = parse(FileId(0), &text) {
        for doc in &docs {
            let _ = doc.get("services.app.environment");
            let _ = doc.get("serve.public.base_url");
            for e in doc.entries() {
                let _ = e.value.as_bool();
            }
        }
    }
});
