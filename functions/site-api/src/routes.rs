//! The handlers: parse the path and query, call one service, map the result
//! to its body (`bodies`). Each handler's doc lists its answers.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use rightnow_domain::page::Slug;
use rightnow_domain::report::parse_day;

use crate::Services;
use crate::bodies::{
    CommentBody, CommentListBody, HealthBody, ListCommentsQuery, NewCommentBody, NewVideoBody,
    PageViewsBody, ReportBody, UploadTicketBody, VideoBody,
};
use rightnow_http::{ApiError, ClientAddress, ErrorCode, JsonBody, KeyedWrite, PathParam};

type App = State<Arc<Services>>;

fn slug(raw: &str) -> Result<Slug, ApiError> {
    Ok(Slug::parse(raw).map_err(rightnow_domain::DomainError::from)?)
}

/// 200 `{"status":"ok","version"}`.
pub async fn health() -> Json<HealthBody> {
    Json(HealthBody {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
    })
}

/// 200 with the count; 404 `page_not_found`; 422 for a bad slug.
pub async fn page_views(
    State(app): App,
    PathParam(raw): PathParam,
) -> Result<Json<PageViewsBody>, ApiError> {
    Ok(Json(app.views.count(slug(&raw)?).await?.into()))
}

/// 200 with the new count (a page is known from its first view); 422 for a
/// bad slug.
pub async fn record_view(
    State(app): App,
    PathParam(raw): PathParam,
) -> Result<Json<PageViewsBody>, ApiError> {
    Ok(Json(app.views.record(slug(&raw)?).await?.into()))
}

/// 200 with a page of comments, newest first; 400 `invalid_cursor`; 404
/// `page_not_found`; 422 for a bad slug or limit, or a query that names
/// one twice.
pub async fn list_comments(
    State(app): App,
    PathParam(raw): PathParam,
    query: Result<Query<ListCommentsQuery>, QueryRejection>,
) -> Result<Json<CommentListBody>, ApiError> {
    let Query(query) = query.map_err(|e| {
        ApiError::new(
            ErrorCode::ValidationFailed,
            format!("query: {}", e.body_text()),
        )
    })?;
    let page = app
        .comments
        .list(slug(&raw)?, query.limit.as_deref(), query.cursor.as_deref())
        .await?;
    Ok(Json(page.into()))
}

/// 201 with the comment; 404 `page_not_found`; 422 for a bad slug or
/// comment; 429 `rate_limited` with `Retry-After` over the client's
/// writes; and the body errors of [`JsonBody`].
pub async fn post_comment(
    State(app): App,
    PathParam(raw): PathParam,
    client: ClientAddress,
    KeyedWrite(write): KeyedWrite,
    JsonBody(input): JsonBody<NewCommentBody>,
) -> Result<(StatusCode, Json<CommentBody>), ApiError> {
    let comment = app
        .comments
        .post(slug(&raw)?, input.into_domain(), client.as_str(), write)
        .await?;
    Ok((StatusCode::CREATED, Json(comment.into())))
}

/// 201 with the upload ticket; 422 for a bad declaration; 429
/// `rate_limited` with `Retry-After` over the client's writes; and the
/// body errors of [`JsonBody`].
pub async fn register_video(
    State(app): App,
    client: ClientAddress,
    KeyedWrite(write): KeyedWrite,
    JsonBody(input): JsonBody<NewVideoBody>,
) -> Result<(StatusCode, Json<UploadTicketBody>), ApiError> {
    let ticket = app
        .videos
        .register(input.into_domain(), client.as_str(), write)
        .await?;
    Ok((StatusCode::CREATED, Json(ticket.into())))
}

/// 200 with the video's status; 404 `video_not_found`, also for an id that
/// is not one.
pub async fn video_status(
    State(app): App,
    PathParam(id): PathParam,
) -> Result<Json<VideoBody>, ApiError> {
    Ok(Json(app.videos.status(&id).await?.into()))
}

/// 200 with the latest report, its figures and a link; 404
/// `report_not_found` before the first.
pub async fn latest_report(State(app): App) -> Result<Json<ReportBody>, ApiError> {
    Ok(Json(app.reports.latest().await?.into()))
}

/// 200 with the day's report: `ready` (figures and a link), `running` or
/// `failed` (with why); 404 `report_not_found` for a day no run took; 422
/// for a date that is not `YYYY-MM-DD` or not a day of the calendar.
pub async fn day_report(
    State(app): App,
    PathParam(raw): PathParam,
) -> Result<Json<ReportBody>, ApiError> {
    let day = parse_day(&raw).map_err(rightnow_domain::DomainError::from)?;
    Ok(Json(app.reports.day(day).await?.into()))
}

/// Only reached when the function is called directly (cargo lambda watch);
/// behind API Gateway an undeclared route never invokes the function.
pub async fn not_found() -> impl IntoResponse {
    ApiError::new(ErrorCode::NotFound, "no such route")
}
