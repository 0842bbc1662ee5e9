//! The render context's fields, read from its JSON Schema, so the list that
//! `templates` prints (and the README's table) come from the doc comments
//! in `context.rs` and the ecosystems' sections, and cannot drift from them.

use crate::context::Context;

/// An ecosystem's section of the context: its name, what it is for, and
/// the schema of its data.
pub struct SectionSchema {
    pub name: &'static str,
    pub about: &'static str,
    pub schema: schemars::Schema,
}

/// A field of the render context: its path (`binaries[].name`) and meaning.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Field {
    pub path: String,
    pub about: String,
}

/// The JSON Schema of the render context, each section a property that is
/// null for the other ecosystems' projects.
pub fn schema(sections: &[SectionSchema]) -> schemars::Schema {
    let mut root = schemars::schema_for!(Context).to_value();
    for section in sections {
        let mut value = section.schema.clone().to_value();
        let defs = value.as_object_mut().and_then(|o| o.remove("$defs"));
        if let Some(o) = value.as_object_mut() {
            o.remove("$schema");
            o.remove("title");
        }
        if let Some(serde_json::Value::Object(defs)) = defs {
            let all = &mut root["$defs"];
            for (k, v) in defs {
                all[k] = v;
            }
        }
        root["properties"][section.name] = serde_json::json!({
            "description": section.about,
            "anyOf": [value, {"type": "null"}],
        });
    }
    schemars::Schema::try_from(root).unwrap_or_default()
}

/// Every field of the render context, in the schema's order.
pub fn fields(sections: &[SectionSchema]) -> Vec<Field> {
    let schema = schema(sections);
    let mut out = Vec::new();
    context_fields(schema.as_value(), schema.as_value(), "", &mut out);
    out.into_iter()
        .map(|(path, about)| Field { path, about })
        .collect()
}

/// Lists the fields of the render context from its JSON Schema, as
/// (`path`, description) pairs: `binaries[].name`, …
fn context_fields(
    schema: &serde_json::Value,
    root: &serde_json::Value,
    prefix: &str,
    out: &mut Vec<(String, String)>,
) {
    let resolve = |v: &serde_json::Value| -> serde_json::Value {
        let mut v = v.clone();
        // `Option<T>` is `anyOf: [{$ref}, {type: null}]`; `T` is `$ref`.
        if let Some(any) = v.get("anyOf").and_then(|a| a.as_array()) {
            if let Some(first) = any
                .iter()
                .find(|x| x.get("type") != Some(&serde_json::json!("null")))
            {
                v = first.clone();
            }
        }
        if let Some(r) = v.get("$ref").and_then(|r| r.as_str()) {
            let name = r.trim_start_matches("#/$defs/");
            if let Some(def) = root.get("$defs").and_then(|d| d.get(name)) {
                return def.clone();
            }
        }
        v
    };
    let Some(props) = schema.get("properties").and_then(|p| p.as_object()) else {
        return;
    };
    for (name, prop) in props {
        let path = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        let about = prop
            .get("description")
            .and_then(|d| d.as_str())
            .unwrap_or_default()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let target = resolve(prop);
        let items = target.get("items").map(&resolve);
        match items {
            Some(item) if item.get("properties").is_some() => {
                out.push((format!("{path}[]"), about));
                context_fields(&item, root, &format!("{path}[]"), out);
            }
            _ if target.get("properties").is_some() => {
                out.push((path.clone(), about));
                context_fields(&target, root, &path, out);
            }
            _ => out.push((path, about)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_lists_and_options_are_walked() {
        #[derive(schemars::JsonSchema)]
        #[allow(dead_code)]
        struct Inner {
            /// A word.
            word: String,
        }
        #[derive(schemars::JsonSchema)]
        #[allow(dead_code)]
        struct Own {
            /// Some words.
            words: Vec<Inner>,
        }
        let fields = fields(&[SectionSchema {
            name: "own",
            about: "An ecosystem's own section.",
            schema: schemars::schema_for!(Own),
        }]);
        let paths: Vec<&str> = fields.iter().map(|f| f.path.as_str()).collect();
        for want in [
            "context_version",
            "builder.packages[]",
            "builder.packages[].reason",
            "runtime.tag",
            "runtime.libraries",
            "own",
            "own.words[]",
            "own.words[].word",
            "binaries[].include[].dest",
        ] {
            assert!(paths.contains(&want), "{want} missing from {paths:?}");
        }
        assert!(
            fields
                .iter()
                .all(|f| !f.about.is_empty() || f.path.ends_with("[]"))
        );
    }
}
