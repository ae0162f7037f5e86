use std::sync::Arc;

use crate::clock::Clock;
use crate::page::{PageViews, Slug};
use crate::ports::ViewCounter;
use crate::{DomainError, Resource};

/// Page views: read a page's count, record one more.
pub struct PageViewsService {
    counter: Arc<dyn ViewCounter>,
    clock: Arc<dyn Clock>,
}

impl PageViewsService {
    /// Views counted by `counter`, dated by `clock`.
    pub fn new(counter: Arc<dyn ViewCounter>, clock: Arc<dyn Clock>) -> Self {
        Self { counter, clock }
    }

    /// The page's count; not found for a page never viewed.
    pub async fn count(&self, slug: Slug) -> Result<PageViews, DomainError> {
        match self.counter.views(&slug).await? {
            Some(views) => Ok(PageViews { slug, views }),
            None => Err(DomainError::NotFound(Resource::Page)),
        }
    }

    /// Counts one view (the page is known from then on) and returns the new count.
    pub async fn record(&self, slug: Slug) -> Result<PageViews, DomainError> {
        let views = self.counter.record_view(&slug, self.clock.now()).await?;
        Ok(PageViews { slug, views })
    }
}
