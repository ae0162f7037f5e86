//! The compiled-in index is the knowledge base's: rebuilt from the
//! document, it is byte for byte the committed `knowledge-index.bin`.
//! After editing the knowledge base, rebuild it with
//! `UPDATE_CHAT_INDEX=1 cargo test -p chatbot --test index` and commit both.

use rightnow_domain::chat::index::{Matcher, fingerprint};
use rightnow_domain::chat::knowledge::KnowledgeBase;

#[test]
fn the_committed_index_is_built_from_the_committed_knowledge_base() {
    let kb = KnowledgeBase::parse(chatbot::KNOWLEDGE_BASE).expect("the knowledge base reads");
    let built = Matcher::new(&kb).to_bytes(chatbot::KNOWLEDGE_FINGERPRINT);
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/knowledge-index.bin");
    if std::env::var_os("UPDATE_CHAT_INDEX").is_some() {
        std::fs::write(path, &built).expect("writing the index");
        return;
    }
    assert!(
        built == chatbot::KNOWLEDGE_INDEX,
        "knowledge-index.bin is not built from knowledge-base.json: run \
         `UPDATE_CHAT_INDEX=1 cargo test -p chatbot --test index` and commit it"
    );
    // And what init loads is what was built.
    let loaded =
        Matcher::from_bytes(chatbot::KNOWLEDGE_INDEX, chatbot::KNOWLEDGE_FINGERPRINT).unwrap();
    assert_eq!(loaded, Matcher::new(&kb));
    // The compiler's fingerprint is the one computed at run time.
    assert_eq!(
        chatbot::KNOWLEDGE_FINGERPRINT,
        fingerprint(std::hint::black_box(chatbot::KNOWLEDGE_BASE).as_bytes())
    );
}
