//! How each route that template.yaml declares is called, through the
//! gateway (sources.rs calls every one the template lists: a route added
//! there without a case here fails it), and a route the template does not
//! declare is the gateway's 404.

use reqwest::Method;
use serde_json::json;

use crate::api::{self, Answer, fresh_slug, get, post, post_json};

/// Calls `route` once as a user would; `None` if there is no case for it.
/// A step before the call that fails panics with its own answer.
pub(crate) async fn exercise(route: &str) -> Option<Answer> {
    let slug = fresh_slug("route");
    let answer = match route {
        "GET /api/health" => get("/api/health").await,
        "POST /api/pages/{slug}/views" => post(&format!("/api/pages/{slug}/views")).await,
        "GET /api/pages/{slug}/views" => {
            post(&format!("/api/pages/{slug}/views")).await;
            get(&format!("/api/pages/{slug}/views")).await
        }
        "POST /api/pages/{slug}/comments" => {
            post(&format!("/api/pages/{slug}/views")).await;
            let body = json!({"author": "Ada", "body": "Hello"});
            post_json(&format!("/api/pages/{slug}/comments"), body).await
        }
        "GET /api/pages/{slug}/comments" => {
            post(&format!("/api/pages/{slug}/views")).await;
            get(&format!("/api/pages/{slug}/comments")).await
        }
        "POST /api/videos" => {
            let body = json!({"title": "Cat", "contentType": "video/mp4", "size": 10});
            post_json("/api/videos", body).await
        }
        "GET /api/videos/{id}" => {
            let body = json!({"title": "Cat", "contentType": "video/mp4", "size": 10});
            let created = post_json("/api/videos", body).await;
            let id = created.json["id"]
                .as_str()
                .unwrap_or_else(|| panic!("{route}: POST /api/videos first: {created:?}"))
                .to_owned();
            get(&format!("/api/videos/{id}")).await
        }
        "GET /api/reports/latest" => get("/api/reports/latest").await,
        "GET /api/reports/{date}" => get("/api/reports/1999-01-01").await,
        "POST /api/chat" => post_json("/api/chat", json!({"message": "What is serverless?"})).await,
        _ => return None,
    };
    Some(answer)
}

#[tokio::test]
async fn an_undeclared_route_or_method_is_the_gateways_404() {
    for (method, path) in [
        (Method::GET, "/api/nope"),
        (Method::GET, "/api"),
        (Method::DELETE, "/api/health"),
        (Method::PUT, "/api/pages/home/views"),
        (Method::GET, "/api/pages/home"),
        (Method::GET, "/"),
    ] {
        let answer = api::call(method.clone(), path, None, Vec::new()).await;
        assert_eq!(answer.status, 404, "{method} {path}");
        assert_eq!(
            answer.json,
            json!({"message": "Not Found"}),
            "{method} {path}"
        );
    }
}
