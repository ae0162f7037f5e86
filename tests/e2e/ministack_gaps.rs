//! MiniStack's gaps that this project works around, each pinned: if an
//! upgrade of MiniStack closes one, a test here fails, and the workaround in
//! infra/ can go. Numbered as in the README's list ("The local cloud and
//! its known gaps"), which a test of infra checks against these names.

use rightnow_infra::ministack;
use rightnow_infra::stack;
use rightnow_infra::tools::workspace_root;

/// README gap 1: `sam deploy` leaves the HTTP API without routes (MiniStack ignores
/// the OpenAPI Body SAM generates); infra/src/gaps.rs creates them.
#[test]
fn gap_1_sam_deploy_creates_no_http_api_routes() {
    assert_eq!(
        crate::stack().routes_after_sam_deploy,
        0,
        "MiniStack now creates the HttpApi's routes itself: drop gaps::create_http_api_routes"
    );
}

/// README gap 2: the template as built, with its canary `DeploymentPreference`,
/// does not deploy on MiniStack (no CodeDeploy); the local copy without it
/// does (every other test runs on it).
#[test]
fn gap_2_codedeploy_resources_are_refused() {
    crate::stack(); // sam build has run
    let built = workspace_root().join(".aws-sam/build/template.yaml");
    let ms = ministack::shared();
    let built = built.to_str().unwrap();
    let out = stack::sam(
        ms,
        &[
            "deploy",
            "--config-env",
            "local",
            "--stack-name",
            "gap2-probe",
            "--template-file",
            built,
        ],
    )
    .output()
    .expect("sam runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !out.status.success() && text.contains("AWS::CodeDeploy"),
        "MiniStack now deploys DeploymentPreference: drop template::drop_deployment_preferences\n{text}"
    );
}
