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
//! Built once, by a test that writes it beside the knowledge base (a
//! build script would compile the domain twice), and loaded at init with
//! [`Matcher::from_bytes`]: init decodes arrays instead of cutting every
//! example into features. The file names the knowledge base it was built
//! from, so a stale one is refused.
//!
//! **Confidence** is that blend over the score the message would get
//! against itself: the share of what the message says, weighted by how
//! telling each feature is (IDF), that the intent explains. A question
//! made of words the knowledge base never uses ("what's the weather")
//! explains little of itself, whatever it shares by chance.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

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

/// Features are hashes already: a hasher that only spreads their bits.
#[derive(Default)]
struct Spread(u64);

impl std::hash::Hasher for Spread {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

type Map<V> = HashMap<Feature, V, BuildHasherDefault<Spread>>;

/// A feature's occurrences in one text, and its weight.
#[derive(Debug, Clone, Copy)]
struct Count {
    occurrences: f32,
    weight: f32,
}

/// Feature counts of one text, and its length (weighted).
fn bag(text: &str) -> (Map<Count>, f32) {
    let mut counts: Map<Count> = Map::default();
    let mut len = 0.0;
    for (f, weight) in features(text) {
        len += weight;
        counts
            .entry(f)
            .or_insert(Count {
                occurrences: 0.0,
                weight,
            })
            .occurrences += 1.0;
    }
    (counts, len)
}

/// A BM25 index of documents, each belonging to an intent, its postings
/// by feature id in one array (`offsets[f]..offsets[f + 1]`).
#[derive(Debug, Default, PartialEq)]
struct Index {
    /// By feature id, where its postings start; one more at the end.
    offsets: Vec<u32>,
    /// (document, occurrences), by feature, then by document.
    postings: Vec<(u32, f32)>,
    /// By document: its intent and its length (weighted features).
    documents: Vec<(u32, f32)>,
    average_len: f32,
}

impl Index {
    /// The index of `documents` (intent, length, features and counts),
    /// over the sorted `vocabulary`.
    fn build(vocabulary: &[Feature], documents: &[(u32, f32, Map<Count>)]) -> Self {
        let id = |f: &Feature| {
            vocabulary
                .binary_search(f)
                .expect("every feature is in the vocabulary")
        };
        let mut counts = vec![0u32; vocabulary.len() + 1];
        for (_, _, features) in documents {
            for f in features.keys() {
                counts[id(f) + 1] += 1;
            }
        }
        for i in 1..counts.len() {
            counts[i] += counts[i - 1];
        }
        let offsets = counts.clone();
        let mut next = counts;
        let mut postings = vec![(0u32, 0f32); *offsets.last().unwrap_or(&0) as usize];
        for (doc, (_, _, features)) in documents.iter().enumerate() {
            let doc = u32::try_from(doc).expect("fewer than 2^32 documents");
            let mut sorted: Vec<(usize, f32)> = features
                .iter()
                .map(|(f, c)| (id(f), c.occurrences))
                .collect();
            sorted.sort_by_key(|(i, _)| *i);
            for (i, occurrences) in sorted {
                postings[next[i] as usize] = (doc, occurrences);
                next[i] += 1;
            }
        }
        let total: f32 = documents.iter().map(|(_, len, _)| len).sum();
        Self {
            offsets,
            postings,
            documents: documents
                .iter()
                .map(|(intent, len, _)| (*intent, *len))
                .collect(),
            average_len: total / documents.len().max(1) as f32,
        }
    }

    fn postings(&self, id: Option<usize>) -> &[(u32, f32)] {
        match id {
            Some(i) => &self.postings[self.offsets[i] as usize..self.offsets[i + 1] as usize],
            None => &[],
        }
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
    fn explain(&self, query: &[(Option<usize>, f32, f32)], len: f32, intents: usize) -> Vec<f32> {
        let mut by_document = vec![0.0_f32; self.documents.len()];
        let mut itself = 0.0;
        for &(id, n, weight) in query {
            let postings = self.postings(id);
            let idf = self.idf(postings.len());
            itself += weight * idf * self.saturate(n, len);
            for &(doc, occurrences) in postings {
                let doc_len = self.documents[doc as usize].1;
                by_document[doc as usize] += weight * idf * self.saturate(occurrences, doc_len);
            }
        }
        let mut best = vec![0.0_f32; intents];
        for (doc, score) in by_document.into_iter().enumerate() {
            let intent = self.documents[doc].0 as usize;
            best[intent] = best[intent].max(score);
        }
        if itself > 0.0 {
            for b in &mut best {
                *b = (*b / itself).min(1.0);
            }
        }
        best
    }

    fn write(&self, out: &mut Vec<u8>) {
        put_u32(out, self.documents.len());
        for &(intent, len) in &self.documents {
            out.extend(intent.to_le_bytes());
            out.extend(len.to_le_bytes());
        }
        out.extend(self.average_len.to_le_bytes());
        for &o in &self.offsets {
            out.extend(o.to_le_bytes());
        }
        put_u32(out, self.postings.len());
        for &(doc, occurrences) in &self.postings {
            out.extend(doc.to_le_bytes());
            out.extend(occurrences.to_le_bytes());
        }
    }

    fn read(r: &mut Reader<'_>, features: usize, intents: u32) -> Result<Self, IndexError> {
        let docs = r.u32()? as usize;
        let documents = r.pairs(docs)?;
        let average_len = r.f32()?;
        let offsets = r.array(features + 1, u32::from_le_bytes)?;
        let n = r.u32()? as usize;
        let postings = r.pairs(n)?;
        let bad = |why: &str| Err(IndexError::Corrupt(why.to_owned()));
        if documents.iter().any(|(i, _)| *i >= intents) {
            return bad("a document of no intent");
        }
        if offsets.windows(2).any(|w| w[0] > w[1])
            || offsets.last().copied() != u32::try_from(n).ok()
        {
            return bad("offsets out of order");
        }
        if postings.iter().any(|(d, _)| *d as usize >= docs) {
            return bad("a posting of no document");
        }
        Ok(Self {
            offsets,
            postings,
            documents,
            average_len,
        })
    }
}

/// A stored index that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// Built from another knowledge base (or by another version of this
    /// code): rebuild it.
    #[error("the chat index was built from another knowledge base; rebuild it (README, Chat)")]
    Stale,
    /// Not an index this code wrote.
    #[error("the chat index is corrupt: {0}")]
    Corrupt(String),
}

/// Reads little-endian numbers off a byte slice.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], IndexError> {
        let Some((head, rest)) = self.0.split_first_chunk::<N>() else {
            return Err(IndexError::Corrupt("it ends early".into()));
        };
        self.0 = rest;
        Ok(*head)
    }
    /// `n` numbers of `N` bytes each, decoded in one pass over one slice
    /// (an element at a time, through `take`, is most of init).
    fn array<const N: usize, T>(
        &mut self,
        n: usize,
        decode: impl Fn([u8; N]) -> T,
    ) -> Result<Vec<T>, IndexError> {
        let len = n
            .checked_mul(N)
            .filter(|&len| len <= self.0.len())
            .ok_or_else(|| IndexError::Corrupt("it ends early".into()))?;
        let (head, rest) = self.0.split_at(len);
        self.0 = rest;
        Ok(head
            .as_chunks::<N>()
            .0
            .iter()
            .map(|chunk| decode(*chunk))
            .collect())
    }
    /// `n` (u32, f32) pairs.
    fn pairs(&mut self, n: usize) -> Result<Vec<(u32, f32)>, IndexError> {
        self.array(n, |b: [u8; 8]| {
            let (a, b) = b.split_at(4);
            (
                u32::from_le_bytes(a.try_into().expect("4 bytes")),
                f32::from_le_bytes(b.try_into().expect("4 bytes")),
            )
        })
    }
    fn u32(&mut self) -> Result<u32, IndexError> {
        Ok(u32::from_le_bytes(self.take()?))
    }
    fn u64(&mut self) -> Result<u64, IndexError> {
        Ok(u64::from_le_bytes(self.take()?))
    }
    fn f32(&mut self) -> Result<f32, IndexError> {
        Ok(f32::from_le_bytes(self.take()?))
    }
}

fn put_u32(out: &mut Vec<u8>, n: usize) {
    out.extend(
        u32::try_from(n)
            .expect("fewer than 2^32 items")
            .to_le_bytes(),
    );
}

/// The stored form's first bytes; the last one is its version, raised with
/// any change to the features or the layout.
const MAGIC: [u8; 8] = *b"RNCHAT\0\x01";

/// 64-bit FNV-1a of `bytes`: names the knowledge base an index was built
/// from. A `const fn`, so that a compiled-in document's is computed by the
/// compiler, not at init.
pub const fn fingerprint(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        h = (h ^ bytes[i] as u64).wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    h
}

/// The knowledge base's examples, indexed.
#[derive(Debug, PartialEq)]
pub struct Matcher {
    /// Every feature of the examples, sorted: a feature's id is its place.
    vocabulary: Vec<Feature>,
    examples: Index,
    intents: Index,
    count: usize,
}

impl Matcher {
    /// Indexes every example (and title) of every intent, in both languages.
    pub fn new(kb: &KnowledgeBase) -> Self {
        let mut examples = Vec::new();
        let mut intents = Vec::new();
        for (intent, i) in kb.intents().iter().enumerate() {
            if i.examples.en.is_empty() {
                continue;
            }
            let intent = u32::try_from(intent).expect("fewer than 2^32 intents");
            let texts = i.examples.en.iter().chain(&i.examples.ko);
            let texts = texts.chain([&i.title.en, &i.title.ko]);
            let mut whole: Map<Count> = Map::default();
            let mut whole_len = 0.0;
            for text in texts {
                let (counts, len) = bag(text);
                for (&f, c) in &counts {
                    whole
                        .entry(f)
                        .or_insert(Count {
                            occurrences: 0.0,
                            weight: c.weight,
                        })
                        .occurrences += c.occurrences;
                }
                whole_len += len;
                examples.push((intent, len, counts));
            }
            intents.push((intent, whole_len, whole));
        }
        let mut vocabulary: Vec<Feature> = intents
            .iter()
            .flat_map(|(_, _, w)| w.keys().copied())
            .collect();
        vocabulary.sort_unstable();
        vocabulary.dedup();
        Matcher {
            examples: Index::build(&vocabulary, &examples),
            intents: Index::build(&vocabulary, &intents),
            vocabulary,
            count: kb.intents().len(),
        }
    }

    /// The stored form, naming the knowledge base it was built from by the
    /// [`fingerprint`] of its document.
    pub fn to_bytes(&self, built_from: u64) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        out.extend(built_from.to_le_bytes());
        put_u32(&mut out, self.count);
        put_u32(&mut out, self.vocabulary.len());
        for f in &self.vocabulary {
            out.extend(f.to_le_bytes());
        }
        self.examples.write(&mut out);
        self.intents.write(&mut out);
        out
    }

    /// Reads the stored form, refusing one built from another knowledge
    /// base than the one whose document's [`fingerprint`] is `built_from`.
    pub fn from_bytes(bytes: &[u8], built_from: u64) -> Result<Self, IndexError> {
        let mut r = Reader(bytes);
        if r.take::<8>().ok() != Some(MAGIC) || r.u64()? != built_from {
            return Err(IndexError::Stale);
        }
        let count = r.u32()?;
        let features = r.u32()? as usize;
        let vocabulary = r.array(features, u64::from_le_bytes)?;
        if vocabulary.windows(2).any(|w| w[0] >= w[1]) {
            return Err(IndexError::Corrupt("the vocabulary is not sorted".into()));
        }
        let examples = Index::read(&mut r, features, count)?;
        let intents = Index::read(&mut r, features, count)?;
        if !r.0.is_empty() {
            return Err(IndexError::Corrupt("bytes after its end".into()));
        }
        Ok(Matcher {
            vocabulary,
            examples,
            intents,
            count: count as usize,
        })
    }

    /// Every intent that shares a feature with `message`, best first (ties
    /// in knowledge base order).
    pub fn rank(&self, message: &str) -> Vec<Scored> {
        let (counts, len) = bag(message);
        let query: Vec<(Option<usize>, f32, f32)> = counts
            .iter()
            .map(|(f, c)| {
                (
                    self.vocabulary.binary_search(f).ok(),
                    c.occurrences,
                    c.weight,
                )
            })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::knowledge::tests::document;

    fn kb() -> (u64, KnowledgeBase) {
        let doc = document(|_| {});
        let kb = KnowledgeBase::parse(&doc).unwrap();
        (fingerprint(doc.as_bytes()), kb)
    }

    #[test]
    fn the_stored_form_reads_back_as_built() {
        let (doc, kb) = kb();
        let built = Matcher::new(&kb);
        let bytes = built.to_bytes(doc);
        let read = Matcher::from_bytes(&bytes, doc).unwrap();
        assert_eq!(read, built);
        assert_eq!(read.rank("about layers"), built.rank("about layers"));
        assert_eq!(
            kb.intents()[built.rank("about layers")[0].intent].id,
            "layers"
        );
    }

    #[test]
    fn a_stale_or_broken_stored_form_is_refused() {
        let (doc, kb) = kb();
        let bytes = Matcher::new(&kb).to_bytes(doc);
        let other = document(|d| d["intents"][0]["answer"]["en"] = "changed".into());
        assert!(matches!(
            Matcher::from_bytes(&bytes, fingerprint(other.as_bytes())),
            Err(IndexError::Stale)
        ));
        assert!(matches!(
            Matcher::from_bytes(&bytes[..bytes.len() - 3], doc),
            Err(IndexError::Corrupt(_))
        ));
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(matches!(
            Matcher::from_bytes(&longer, doc),
            Err(IndexError::Corrupt(_))
        ));
        assert!(matches!(
            Matcher::from_bytes(b"nonsense", doc),
            Err(IndexError::Stale)
        ));
    }
}
