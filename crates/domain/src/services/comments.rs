use std::sync::Arc;

use crate::clock::Clock;
use crate::comment::{Comment, CommentId, CommentPage, Cursor, Limit, NewComment};
use crate::events::{CommentPosted, DomainEvent};
use crate::idempotency::WriteId;
use crate::page::Slug;
use crate::ports::{CommentStore, CommentWrite, EventPublisher};
use crate::services::{Ids, WriteLimit};
use crate::{DomainError, Resource};

/// Comments on pages: post one, list them newest first.
pub struct Comments {
    store: Arc<dyn CommentStore>,
    events: Arc<dyn EventPublisher>,
    clock: Arc<dyn Clock>,
    writes: Arc<WriteLimit>,
    ids: Ids,
}

impl Comments {
    /// Comments stored in `store`, announced on `events`, timed by `clock`,
    /// each counted against its poster's `writes`.
    pub fn new(
        store: Arc<dyn CommentStore>,
        events: Arc<dyn EventPublisher>,
        clock: Arc<dyn Clock>,
        writes: Arc<WriteLimit>,
    ) -> Self {
        Self {
            store,
            events,
            clock,
            writes,
            ids: Ids::default(),
        }
    }

    /// Validates a comment from `client` (its address), counts it against
    /// the client's writes, stores it, then announces it with
    /// `CommentPosted`. A keyed write (`write`, from its `Idempotency-Key`)
    /// makes the comment it names: sent again after a lost answer, it finds
    /// that comment stored and answers with it, announcing nothing twice.
    ///
    /// The comment is the record of truth: once it is stored the call
    /// succeeds even if the event could not be published (the publisher has
    /// already retried), so a client never posts the same comment twice.
    pub async fn post(
        &self,
        page: Slug,
        input: NewComment,
        client: &str,
        write: Option<WriteId>,
    ) -> Result<Comment, DomainError> {
        let valid = input.validate()?;
        self.writes.admit(client, &[]).await?;
        let (id, created_at) = match write {
            Some(w) => (w.0, w.at()),
            None => {
                let now = self.clock.now();
                (self.ids.next(now), now)
            }
        };
        let comment = Comment {
            id: CommentId(id),
            page,
            author: valid.author,
            body: valid.body,
            created_at,
        };
        match self.store.add(&comment).await? {
            CommentWrite::Stored => {}
            CommentWrite::AlreadyStored => return Ok(comment),
            CommentWrite::UnknownPage => return Err(DomainError::NotFound(Resource::Page)),
        }
        let event = DomainEvent::CommentPosted(CommentPosted {
            page: comment.page.clone(),
            comment_id: comment.id,
            author: comment.author.clone(),
            posted_at: comment.created_at,
        });
        if let Err(e) = self.events.publish(&[event]).await {
            tracing::error!(error = %e, comment = %comment.id, "CommentPosted not published");
        }
        Ok(comment)
    }

    /// Newest first. `cursor` is the token a previous page returned.
    pub async fn list(
        &self,
        page: Slug,
        limit: Option<&str>,
        cursor: Option<&str>,
    ) -> Result<CommentPage, DomainError> {
        let limit = Limit::parse(limit)?;
        let before = match cursor {
            Some(token) => Some(Cursor::decode(token).ok_or(DomainError::BadCursor)?.0),
            None => None,
        };
        self.store
            .list(&page, limit.get(), before)
            .await?
            .ok_or(DomainError::NotFound(Resource::Page))
    }
}
