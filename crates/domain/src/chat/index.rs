//! The matcher: Okapi BM25 over the features of [`super::text`], on two
//! views of the knowledge base: each example question as a document, and
//! each intent as one document of all its examples. An intent scores a
//! blend of its best example (a close paraphrase of one question) and of
//! itself as a whole (a message whose words are spread over several).
//!
//! Hand-written rather than the `bm25` crate: its tokenizer is the part we
//! replace, the scoring is a dozen lines, and owning it lets each feature
//! kind carry its own weight and the confidence be computed with the same
//! formula.
//!
//! **Confidence** is that blend over the score the message would get
//! against itself: the share of what the message says, weighted by how
//! telling each feature is (IDF), that the intent explains. A question
//! made of words the knowledge base never uses ("what's the weather")
//! explains little of itself, whatever it shares by chance.

use std::collections::HashMap;

use super::knowledge::KnowledgeBase;
use super::text::{Feature, features};

/// BM25's term-frequency saturation.
const K1: f32 = 1.2;
/// BM25's length normalisation.
const B: f32 = 0.75;
/// The best example's share of an intent's score; the rest is the intent's
/// as one document.
const BEST_EXAMPLE_SHARE: f32 = 0.3;

/// One intent's place in a ranking.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scored {
    /// The intent's index in the knowledge base.
    pub intent: usize,
    /// How much of the message it explains, 0 to 1.
    pub confidence: f32,
}

/// Feature counts of one text, and its length (weighted).
fn bag(text: &str) -> (HashMap<Feature, f32>, f32) {
    let mut counts: HashMap<Feature, f32> = HashMap::new();
    let mut len = 0.0;
    for f in features(text) {
        len += f.0.weight();
        *counts.entry(f).or_default() += 1.0;
    }
    (counts, len)
}

/// A BM25 index of documents, each belonging to an intent.
#[derive(Debug, Default)]
struct Index {
    /// By feature id: (document, occurrences) for each document holding it.
    postings: Vec<Vec<(u32, f32)>>,
    /// By document: its intent and its length (weighted features).
    documents: Vec<(usize, f32)>,
    average_len: f32,
}

impl Index {
    fn add(
        &mut self,
        vocabulary: &mut HashMap<Feature, u32>,
        intent: usize,
        counts: HashMap<Feature, f32>,
        len: f32,
    ) {
        let doc = u32::try_from(self.documents.len()).expect("fewer than 2^32 documents");
        for (f, n) in counts {
            let next = u32::try_from(vocabulary.len()).expect("fewer than 2^32 features");
            let id = *vocabulary.entry(f).or_insert(next) as usize;
            if id >= self.postings.len() {
                self.postings.resize_with(id + 1, Vec::new);
            }
            self.postings[id].push((doc, n));
        }
        self.documents.push((intent, len));
    }

    fn finish(&mut self, features: usize) {
        self.postings.resize_with(features, Vec::new);
        let total: f32 = self.documents.iter().map(|(_, len)| len).sum();
        self.average_len = total / self.documents.len().max(1) as f32;
    }

    fn idf(&self, document_frequency: usize) -> f32 {
        let n = self.documents.len() as f32;
        let df = document_frequency as f32;
        (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
    }

    fn saturate(&self, occurrences: f32, len: f32) -> f32 {
        occurrences * (K1 + 1.0) / (occurrences + K1 * (1.0 - B + B * len / self.average_len))
    }

    /// By intent, its best document's score over the message's own.
    fn explain(&self, query: &[(Option<u32>, f32, f32)], len: f32, intents: usize) -> Vec<f32> {
        let mut by_document = vec![0.0_f32; self.documents.len()];
        let mut itself = 0.0;
        for &(id, n, weight) in query {
            let postings = id.map_or(&[][..], |id| &self.postings[id as usize]);
            let idf = self.idf(postings.len());
            itself += weight * idf * self.saturate(n, len);
            for &(doc, occurrences) in postings {
                let doc_len = self.documents[doc as usize].1;
                by_document[doc as usize] += weight * idf * self.saturate(occurrences, doc_len);
            }
        }
        let mut best = vec![0.0_f32; intents];
        for (doc, score) in by_document.into_iter().enumerate() {
            let intent = self.documents[doc].0;
            best[intent] = best[intent].max(score);
        }
        if itself > 0.0 {
            for b in &mut best {
                *b = (*b / itself).min(1.0);
            }
        }
        best
    }
}

/// The knowledge base's examples, indexed.
#[derive(Debug)]
pub struct Matcher {
    /// Feature → its id, shared by both indexes.
    vocabulary: HashMap<Feature, u32>,
    examples: Index,
    intents: Index,
    count: usize,
}

impl Matcher {
    /// Indexes every example (and title) of every intent, in both languages.
    pub fn new(kb: &KnowledgeBase) -> Self {
        let mut vocabulary = HashMap::new();
        let mut examples = Index::default();
        let mut intents = Index::default();
        for (intent, i) in kb.intents().iter().enumerate() {
            if i.examples.en.is_empty() {
                continue;
            }
            let texts = i.examples.en.iter().chain(&i.examples.ko);
            let texts = texts.chain([&i.title.en, &i.title.ko]);
            let mut whole: HashMap<Feature, f32> = HashMap::new();
            let mut whole_len = 0.0;
            for text in texts {
                let (counts, len) = bag(text);
                for (f, n) in &counts {
                    *whole.entry(f.clone()).or_default() += n;
                }
                whole_len += len;
                examples.add(&mut vocabulary, intent, counts, len);
            }
            intents.add(&mut vocabulary, intent, whole, whole_len);
        }
        examples.finish(vocabulary.len());
        intents.finish(vocabulary.len());
        Matcher {
            vocabulary,
            examples,
            intents,
            count: kb.intents().len(),
        }
    }

    /// Every intent that shares a feature with `message`, best first (ties
    /// in knowledge base order).
    pub fn rank(&self, message: &str) -> Vec<Scored> {
        let (counts, len) = bag(message);
        let query: Vec<(Option<u32>, f32, f32)> = counts
            .iter()
            .map(|(f, n)| (self.vocabulary.get(f).copied(), *n, f.0.weight()))
            .collect();
        let best_example = self.examples.explain(&query, len, self.count);
        let whole = self.intents.explain(&query, len, self.count);
        let mut ranked: Vec<Scored> = best_example
            .into_iter()
            .zip(whole)
            .enumerate()
            .map(|(intent, (e, w))| Scored {
                intent,
                confidence: BEST_EXAMPLE_SHARE * e + (1.0 - BEST_EXAMPLE_SHARE) * w,
            })
            .filter(|s| s.confidence > 0.0)
            .collect();
        ranked.sort_by(|a, b| {
            b.confidence
                .total_cmp(&a.confidence)
                .then(a.intent.cmp(&b.intent))
        });
        ranked
    }
}
