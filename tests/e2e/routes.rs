//! Every route that template.yaml declares is called here, through the
//! gateway, and a route the template does not declare is the gateway's 404.
//! The list comes from the template itself: a route added there without a
//! case here fails this test.

use reqwest::Method;
use rightnow_infra::template::Template;
use serde_json::json;

use crate::api::{self, Answer, fresh_slug, get, post, post_json};

/// Calls `route` once as a user would; `None` if there is no case for it.
/// A step before the call that fails panics with its own answer.
async fn exercise(route: &str) -> Option<Answer> {
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
async fn every_route_of_the_template_answers_through_the_gateway() {
    let routes = Template::project().unwrap().http_routes();
    assert!(routes.len() >= 8, "{routes:?}");
    for route in routes {
        let key = route.key();
        let answer = exercise(&key).await.unwrap_or_else(|| {
            panic!("{key} is declared in template.yaml but has no end-to-end case")
        });
        // 404 is a fine answer for the latest report before one exists, as
        // long as it is the function's own JSON error, not the gateway's.
        let ok = (200..300).contains(&answer.status)
            || (answer.status == 404 && answer.error_code() == "report_not_found");
        assert!(ok, "{key}: {answer:?}");
    }
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
