//! The matcher scored on questions it was not built from: a labelled set
//! (`tests/labelled-questions.json`) of English and Korean questions, with
//! typos, paraphrases and out-of-scope ones, kept apart from the knowledge
//! base's examples. Prints `accuracy: N%` for the top-1 intent (the
//! fallback, below the threshold, counting as a prediction) and fails
//! below the figure reached, so that a change to the knowledge base or the
//! matcher that makes it worse is seen.
//!
//! `cargo test -p chatbot --test accuracy -- --nocapture` shows every miss
//! and how confidence relates to being right.

use rightnow_domain::chat::Context;
use rightnow_domain::chat::dialogue::{Asked, THRESHOLD};
use serde::Deserialize;

/// The accuracy reached on the labelled set; a change may only raise it.
const FLOOR_PERCENT: usize = 93;

#[derive(Deserialize)]
struct Labelled {
    question: String,
    intent: String,
}

fn labelled() -> Vec<Labelled> {
    let text = include_str!("labelled-questions.json");
    serde_json::from_str(text).expect("the labelled set is a list of {question, intent}")
}

#[test]
fn the_labelled_set_is_apart_from_the_examples_and_covers_every_intent() {
    let assistant = chatbot::assistant().unwrap();
    let kb = assistant.knowledge();
    let set = labelled();
    assert!(set.len() >= 40, "{} questions", set.len());
    let normal = |s: &str| s.trim().to_lowercase();
    for l in &set {
        for i in kb.intents() {
            let examples = i.examples.en.iter().chain(&i.examples.ko);
            assert!(
                examples.clone().all(|e| normal(e) != normal(&l.question)),
                "{:?} is an example of {}",
                l.question,
                i.id
            );
        }
    }
    for i in kb.intents() {
        assert!(
            set.iter().any(|l| l.intent == i.id),
            "no question for {}",
            i.id
        );
    }
}

#[test]
fn top_1_accuracy_on_the_labelled_set() {
    let assistant = chatbot::assistant().unwrap();
    let set = labelled();
    let mut right = 0;
    // Confidence against being right, in tenths.
    let mut by_confidence = [(0usize, 0usize); 10];
    for l in &set {
        let understood = assistant.understand(&l.question, &Context::default());
        let predicted = match &understood.asked {
            Asked::Clarify(first, _) => first.id.as_str(),
            asked => asked.intent_id(),
        };
        let ok = predicted == l.intent;
        right += usize::from(ok);
        let bin = (0..10)
            .rev()
            .find(|&t| understood.confidence >= t as f32 / 10.0)
            .unwrap_or(0);
        by_confidence[bin].0 += 1;
        by_confidence[bin].1 += usize::from(ok);
        if !ok {
            let ranked: Vec<String> = assistant
                .rank(&l.question)
                .iter()
                .take(3)
                .map(|(i, c)| format!("{} {c:.2}", i.id))
                .collect();
            println!(
                "miss: {:?} is {}, got {predicted} ({})",
                l.question,
                l.intent,
                ranked.join(", ")
            );
        }
    }
    println!("confidence  questions  right   (threshold {THRESHOLD})");
    for (tenth, (n, ok)) in by_confidence
        .iter()
        .enumerate()
        .filter(|(_, (n, _))| *n > 0)
    {
        println!(
            "{:.1}-{:.1}     {n:>9}  {ok:>5}",
            tenth as f32 / 10.0,
            (tenth + 1) as f32 / 10.0
        );
    }
    let percent = right * 100 / set.len();
    println!("accuracy: {percent}% ({right} of {})", set.len());
    assert!(
        percent >= FLOOR_PERCENT,
        "accuracy fell to {percent}% (floor {FLOOR_PERCENT}%)"
    );
}
