//! What template.yaml declares, read from the file itself so that nothing
//! is declared twice: its HTTP routes, and the copy MiniStack can deploy.

use std::path::Path;

use anyhow::{Context, Result};
use serde_yaml::{Mapping, Value};

/// One route of the HTTP API: `GET /api/pages/{slug}/views` and the
/// function that serves it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Route {
    pub method: String,
    pub path: String,
    /// The function's logical id in the template.
    pub function: String,
}

impl Route {
    /// API Gateway's route key: `GET /api/health`.
    pub fn key(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// Reads a CloudFormation template, keeping its short-form tags (`!Ref`).
pub fn read(path: &Path) -> Result<Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_yaml::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

fn resources(template: &Value) -> impl Iterator<Item = (&str, &Value)> {
    template
        .get("Resources")
        .and_then(Value::as_mapping)
        .into_iter()
        .flat_map(Mapping::iter)
        .filter_map(|(k, v)| Some((k.as_str()?, v)))
}

/// Every `HttpApi` event of every function, sorted.
pub fn http_routes(template: &Value) -> Vec<Route> {
    let mut routes = Vec::new();
    for (id, resource) in resources(template) {
        if resource.get("Type").and_then(Value::as_str) != Some("AWS::Serverless::Function") {
            continue;
        }
        let events = resource
            .get("Properties")
            .and_then(|p| p.get("Events"))
            .and_then(Value::as_mapping);
        for event in events.into_iter().flat_map(Mapping::values) {
            if event.get("Type").and_then(Value::as_str) != Some("HttpApi") {
                continue;
            }
            let props = &event["Properties"];
            if let (Some(method), Some(path)) = (
                props.get("Method").and_then(Value::as_str),
                props.get("Path").and_then(Value::as_str),
            ) {
                routes.push(Route {
                    method: method.to_ascii_uppercase(),
                    path: path.to_owned(),
                    function: id.to_owned(),
                });
            }
        }
    }
    routes.sort();
    routes
}

/// A function of the template and the workspace binary that is its code
/// (`Metadata.BuildProperties.Binary`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Function {
    pub logical_id: String,
    pub binary: String,
}

/// Every Rust function of the template.
pub fn functions(template: &Value) -> Vec<Function> {
    resources(template)
        .filter_map(|(id, r)| {
            let binary = r
                .get("Metadata")?
                .get("BuildProperties")?
                .get("Binary")?
                .as_str()?;
            Some(Function {
                logical_id: id.to_owned(),
                binary: binary.to_owned(),
            })
        })
        .collect()
}

/// MiniStack gap 6: no CodeDeploy. SAM expands `DeploymentPreference` into
/// CodeDeploy resources that MiniStack's CloudFormation rejects, and SAM has
/// no switch to leave them out. The local deploy removes the key from every
/// function (and from Globals) in a copy of the template; everything else is
/// deployed as written. Returns how many were removed.
pub fn drop_deployment_preferences(template: &mut Value) -> usize {
    let mut removed = 0;
    let mut strip = |props: Option<&mut Value>| {
        if let Some(Value::Mapping(m)) = props
            && m.remove("DeploymentPreference").is_some()
        {
            removed += 1;
        }
    };
    strip(
        template
            .get_mut("Globals")
            .and_then(|g| g.get_mut("Function")),
    );
    if let Some(Value::Mapping(res)) = template.get_mut("Resources") {
        for resource in res.values_mut() {
            if resource.get("Type").and_then(Value::as_str) == Some("AWS::Serverless::Function") {
                strip(resource.get_mut("Properties"));
            }
        }
    }
    removed
}

/// Writes the deployable local copy of `built` (sam build's output
/// template) beside it, and returns its path.
pub fn write_local_copy(built: &Path) -> Result<std::path::PathBuf> {
    let mut template = read(built)?;
    drop_deployment_preferences(&mut template);
    let out = built.with_file_name("template.local.yaml");
    std::fs::write(&out, serde_yaml::to_string(&template)?)?;
    Ok(out)
}

/// Writes to `out` a copy of the template at `src` whose functions' code
/// is already built: `code` maps a function's logical id to the directory
/// holding its `bootstrap`. It is what `sam build` writes, for a tool that
/// built the binaries itself and must deploy exactly those (the benchmark
/// measures one binary both directly and behind the deployed gateway).
pub fn write_prebuilt(
    src: &Path,
    code: &std::collections::HashMap<String, std::path::PathBuf>,
    out: &Path,
) -> Result<()> {
    let mut template = read(src)?;
    // A function left as written would deploy the whole workspace as code.
    if let Some(f) = functions(&template)
        .into_iter()
        .find(|f| !code.contains_key(&f.logical_id))
    {
        anyhow::bail!("no built code for {} ({})", f.logical_id, f.binary);
    }
    if let Some(Value::Mapping(res)) = template.get_mut("Resources") {
        for (id, resource) in res.iter_mut() {
            let Some(dir) = id.as_str().and_then(|id| code.get(id)) else {
                continue;
            };
            if let Value::Mapping(r) = resource {
                // Built: nothing left for sam to build.
                r.remove("Metadata");
                if let Some(Value::Mapping(props)) = r.get_mut("Properties") {
                    props.insert("CodeUri".into(), Value::String(dir.display().to_string()));
                }
            }
        }
    }
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(out, serde_yaml::to_string(&template)?)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::workspace_root;

    fn project_template() -> Value {
        read(&workspace_root().join("template.yaml")).unwrap()
    }

    #[test]
    fn reads_the_http_routes_of_the_template() {
        let routes = http_routes(&project_template());
        let keys: Vec<String> = routes.iter().map(Route::key).collect();
        assert!(keys.contains(&"GET /api/health".to_owned()), "{keys:?}");
        assert!(keys.contains(&"POST /api/pages/{slug}/comments".to_owned()));
    }

    #[test]
    fn the_local_copy_loses_deployment_preferences_and_nothing_else() {
        let original = project_template();
        let mut local = original.clone();
        assert!(drop_deployment_preferences(&mut local) >= 1);
        assert_eq!(drop_deployment_preferences(&mut local.clone()), 0);
        let text = serde_yaml::to_string(&local).unwrap();
        assert!(!text.contains("DeploymentPreference"));
        // Everything else is as written: same resources, same routes, and
        // the alias that blue/green relies on is still published.
        assert_eq!(
            resources(&original).map(|(k, _)| k).collect::<Vec<_>>(),
            resources(&local).map(|(k, _)| k).collect::<Vec<_>>()
        );
        assert_eq!(http_routes(&original), http_routes(&local));
        assert!(text.contains("AutoPublishAlias"));
    }

    #[test]
    fn a_prebuilt_copy_points_each_function_at_its_built_code() {
        let src = workspace_root().join("template.yaml");
        let out =
            std::env::temp_dir().join(format!("rightnow-prebuilt-{}.yaml", std::process::id()));
        let code = functions(&project_template())
            .into_iter()
            .map(|f| (f.logical_id.clone(), format!("/built/{}", f.binary).into()))
            .collect();
        write_prebuilt(&src, &code, &out).unwrap();
        let copy = read(&out).unwrap();
        let _ = std::fs::remove_file(&out);
        for f in functions(&project_template()) {
            let r = &copy["Resources"][f.logical_id.as_str()];
            assert_eq!(
                r["Properties"]["CodeUri"].as_str(),
                Some(&*format!("/built/{}", f.binary))
            );
            assert!(r.get("Metadata").is_none());
        }
        assert_eq!(http_routes(&copy), http_routes(&project_template()));
    }
}
