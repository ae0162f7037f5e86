"""template.yaml as CloudFormation deploys it: the SAM transform applied.

Some resources exist only after the transform (the functions' roles and
versions, the API's stage, the rules of their events), so the guard rules
run on this form as well as on the file. SAM's own translator does it,
offline: no managed policy is named in the template, so no lookup is made.

Usage: python infra/lint/expand.py [--source] template.yaml > out.json
(--source: the file itself as JSON, short forms and YAML aliases written
out, which is how cfn-guard reads it: it cannot read YAML aliases.)
"""

import json
import logging
import os
import sys

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse


class NoManagedPolicyNames:
    """The template names managed policies only by ARN: nothing to resolve."""

    def load(self):
        return {}


def as_packaged(template, root):
    """What `sam package` would upload, in place: code as an S3 location
    (its bytes do not matter to a rule), a state machine's definition read
    from its file (they do)."""
    for resource in template.get("Resources", {}).values():
        properties = resource.get("Properties") or {}
        if isinstance(properties.get("CodeUri"), str):
            properties["CodeUri"] = "s3://packaged/" + properties["CodeUri"]
        uri = properties.pop("DefinitionUri", None)
        if isinstance(uri, str):
            with open(os.path.join(root, uri), encoding="utf-8") as f:
                properties["Definition"] = json.load(f)


def main(args):
    source = args[0] == "--source"
    path = args[-1]
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    # The translator warns of feature toggles it has no configuration for.
    logging.disable(logging.WARNING)
    with open(path, encoding="utf-8") as f:
        template = yaml_parse(f.read())
    if not source:
        as_packaged(template, os.path.dirname(os.path.abspath(path)))
        template = transform(template, {}, NoManagedPolicyNames())
    json.dump(template, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
