//! The handlers: parse the path and query, call one service, shape the JSON.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use rightnow_domain::comment::{Comment, NewComment};
use rightnow_domain::page::{PageViews, Slug};
use rightnow_domain::report::LatestReport;
use rightnow_domain::video::{NewVideo, UploadTicket, VideoView};
use serde::Serialize;
use serde_json::json;

use crate::json::JsonBody;
use crate::{ApiError, Services};

type App = State<Arc<Services>>;

fn slug(raw: &str) -> Result<Slug, ApiError> {
    Ok(Slug::parse(raw).map_err(rightnow_domain::DomainError::from)?)
}

pub async fn health() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
}

pub async fn page_views(
    State(app): App,
    Path(raw): Path<String>,
) -> Result<Json<PageViews>, ApiError> {
    Ok(Json(app.views.count(slug(&raw)?).await?))
}

pub async fn record_view(
    State(app): App,
    Path(raw): Path<String>,
) -> Result<Json<PageViews>, ApiError> {
    Ok(Json(app.views.record(slug(&raw)?).await?))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CommentList {
    comments: Vec<Comment>,
    /// Pass back as `cursor` for the next (older) page; null on the last.
    next_cursor: Option<String>,
}

pub async fn list_comments(
    State(app): App,
    Path(raw): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<CommentList>, ApiError> {
    let page = app
        .comments
        .list(
            slug(&raw)?,
            query.get("limit").map(String::as_str),
            query.get("cursor").map(String::as_str),
        )
        .await?;
    Ok(Json(CommentList {
        comments: page.comments,
        next_cursor: page.next.map(|c| c.encode()),
    }))
}

pub async fn post_comment(
    State(app): App,
    Path(raw): Path<String>,
    JsonBody(input): JsonBody<NewComment>,
) -> Result<(StatusCode, Json<Comment>), ApiError> {
    let comment = app.comments.post(slug(&raw)?, input).await?;
    Ok((StatusCode::CREATED, Json(comment)))
}

pub async fn register_video(
    State(app): App,
    JsonBody(input): JsonBody<NewVideo>,
) -> Result<(StatusCode, Json<UploadTicket>), ApiError> {
    let ticket = app.videos.register(input).await?;
    Ok((StatusCode::CREATED, Json(ticket)))
}

pub async fn video_status(
    State(app): App,
    Path(id): Path<String>,
) -> Result<Json<VideoView>, ApiError> {
    Ok(Json(app.videos.status(&id).await?))
}

pub async fn latest_report(State(app): App) -> Result<Json<LatestReport>, ApiError> {
    Ok(Json(app.reports.latest().await?))
}

/// Only reached when the function is called directly (cargo lambda watch);
/// behind API Gateway an undeclared route never invokes the function.
pub async fn not_found() -> impl IntoResponse {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such route")
}
