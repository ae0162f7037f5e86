//! The copies of the template that are deployed locally: the built
//! template without what MiniStack cannot deploy, and the template with
//! code that is already built.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde_yaml::Value;

use super::Template;

/// README gap 2: no CodeDeploy. SAM expands `DeploymentPreference` into
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
pub fn write_local_copy(built: &Path) -> Result<PathBuf> {
    let mut template = Template::read(built)?.0;
    drop_deployment_preferences(&mut template);
    let out = built.with_file_name("template.local.yaml");
    std::fs::write(&out, serde_yaml::to_string(&template)?)
        .with_context(|| format!("writing {}", out.display()))?;
    Ok(out)
}

/// Writes to `out` a copy of the template at `src` whose functions' code
/// is already built: `code` maps a function's logical id to the directory
/// holding its `bootstrap`. It is what `sam build` writes, for a tool that
/// built the binaries itself and must deploy exactly those (the benchmark
/// measures one binary both directly and behind the deployed gateway).
pub fn write_prebuilt(src: &Path, code: &HashMap<String, PathBuf>, out: &Path) -> Result<()> {
    let parsed = Template::read(src)?;
    // A function left as written would deploy the whole workspace as code.
    if let Some(f) = parsed
        .functions()
        .into_iter()
        .find(|f| !code.contains_key(&f.logical_id))
    {
        anyhow::bail!("no built code for {} ({})", f.logical_id, f.binary);
    }
    let mut template = parsed.0;
    let src_dir = src.parent().unwrap_or(Path::new("."));
    if let Some(Value::Mapping(res)) = template.get_mut("Resources") {
        for (id, resource) in res.iter_mut() {
            // A state machine's definition file is named relative to the
            // template: the copy lives elsewhere, so name it absolutely.
            if let Some(Value::Mapping(props)) = resource.get_mut("Properties")
                && let Some(Value::String(uri)) = props.get_mut("DefinitionUri")
                && Path::new(uri.as_str()).is_relative()
            {
                *uri = src_dir.join(&*uri).display().to_string();
            }
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

    #[test]
    fn the_local_copy_loses_deployment_preferences_and_nothing_else() {
        let original = Template::project().unwrap();
        let mut local = original.document().clone();
        assert!(drop_deployment_preferences(&mut local) >= 1);
        assert_eq!(drop_deployment_preferences(&mut local.clone()), 0);
        let text = serde_yaml::to_string(&local).unwrap();
        assert!(!text.contains("DeploymentPreference"));
        // Everything else is as written: same resources, same routes, and
        // the alias that blue/green relies on is still published.
        let local = Template(local);
        let ids = |t: &Template| t.resources().map(|r| r.id.to_owned()).collect::<Vec<_>>();
        assert_eq!(ids(&original), ids(&local));
        assert_eq!(original.http_routes(), local.http_routes());
        assert!(text.contains("AutoPublishAlias"));
    }

    #[test]
    fn a_prebuilt_copy_points_each_function_at_its_built_code() {
        let src = crate::tools::workspace_root().join("template.yaml");
        let out =
            std::env::temp_dir().join(format!("rightnow-prebuilt-{}.yaml", std::process::id()));
        let project = Template::project().unwrap();
        let code = project
            .functions()
            .into_iter()
            .map(|f| (f.logical_id.clone(), format!("/built/{}", f.binary).into()))
            .collect();
        write_prebuilt(&src, &code, &out).unwrap();
        let copy = Template::read(&out).unwrap();
        let _ = std::fs::remove_file(&out);
        for f in project.functions() {
            let r = copy.resource(&f.logical_id).unwrap();
            assert_eq!(
                r.properties["CodeUri"].as_str(),
                Some(&*format!("/built/{}", f.binary))
            );
            assert!(copy.metadata(&f.logical_id).is_none());
            let original = project.resource(&f.logical_id).unwrap();
            assert_eq!(r.properties["Events"], original.properties["Events"]);
        }
        // The state machines' definitions are found from wherever the
        // copy is.
        for sm in project.state_machines() {
            let uri = copy.resource(&sm.logical_id).unwrap().properties["DefinitionUri"]
                .as_str()
                .unwrap()
                .to_owned();
            assert!(Path::new(&uri).is_absolute(), "{uri}");
            assert!(Path::new(&uri).exists(), "{uri}");
        }
    }
}
