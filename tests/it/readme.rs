//! Issue 13, item 3: the README's recipes are the files CI runs. Each file under
//! `examples/recipes/` must appear in README.md verbatim as a fenced block, so the text a
//! newcomer copies is the text `scripts/e2e-encryption-sdk.sh` and `scripts/e2e-node.sh` run.
//! Also: the README sections `GET /` points to exist.

const README: &str = include_str!("../../README.md");

#[test]
fn every_recipe_file_is_in_the_readme_verbatim() {
    for (path, text, lang) in [
        (
            "examples/recipes/endpoint-url.sh",
            include_str!("../../examples/recipes/endpoint-url.sh"),
            "sh",
        ),
        (
            "examples/recipes/encryption_sdk.py",
            include_str!("../../examples/recipes/encryption_sdk.py"),
            "python",
        ),
        (
            "examples/recipes/js-sdk-v3.mjs",
            include_str!("../../examples/recipes/js-sdk-v3.mjs"),
            "js",
        ),
    ] {
        let block = format!("```{lang}\n{text}```\n");
        assert!(
            README.contains(&block),
            "README.md must show {path} verbatim in a ```{lang} block"
        );
    }
}

#[test]
fn the_sections_get_root_points_to_exist() {
    for heading in [
        "# kmsim — a local, multi-Region AWS KMS simulator\n",
        "\n## Multi-Region walkthrough (AWS CLI)\n",
        "\n## Recipes: SDKs, the CLI and the Encryption SDK\n",
        "\n## Configuration (`regions.toml`)\n",
    ] {
        assert!(README.contains(heading), "README.md lacks {heading:?}");
    }
}
