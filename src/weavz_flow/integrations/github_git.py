"""GitHub actions over Git data and repository contents: annotated tags, branches, files.

Sources (docs.github.com/rest, version 2022-11-28):

- "Git tags" (git/tags#create-a-tag-object): ``POST /repos/{owner}/{repo}/git/tags`` with ``tag``, ``message``,
  ``object`` (the SHA tagged) and ``type`` makes the tag object only; the tag exists once a ``refs/tags/{tag}``
  reference points at that object's ``sha``.
- "Git references": ``GET /repos/{owner}/{repo}/git/ref/heads/{branch}`` (its ``object.sha`` is the branch head),
  ``POST /repos/{owner}/{repo}/git/refs`` with ``ref`` (fully qualified, ``refs/heads/...``) and ``sha``, and
  ``DELETE /repos/{owner}/{repo}/git/refs/heads/{branch}`` answering 204 with no body.
- "Repository contents": ``GET /repos/{owner}/{repo}/contents/{path}`` (``ref`` in the query) answers a file as an
  object whose ``content`` is base64 (with line breaks) when ``encoding`` is ``base64``, a directory as a list;
  ``PUT`` the same path with ``message``, ``content`` in base64, ``branch`` and, to replace a file, its blob ``sha``.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from weavz_flow.integrations.base import ActionContext
from weavz_flow.integrations.github_api import GITHUB, repository_path, slashed_path
from weavz_flow.integrations.http_spec import HttpSpec, call_spec, wire

_REPO = {"repository": repository_path}
_REFS = "/repos/{repository}/git/refs"

TAG_OBJECT = HttpSpec("POST", "/repos/{repository}/git/tags", body=wire("tag", "message", object="sha"),
                      constants={"type": "commit"}, path_encoders=_REPO)
CREATE_REF = HttpSpec("POST", _REFS, body=wire("ref", "sha"), path_encoders=_REPO)
BRANCH_REF = HttpSpec("GET", "/repos/{repository}/git/ref/heads/{source_branch}",
                      path_encoders={**_REPO, "source_branch": slashed_path("source_branch")})
DELETE_BRANCH = HttpSpec("DELETE", _REFS + "/heads/{branch}",
                         path_encoders={**_REPO, "branch": slashed_path("branch")})
_CONTENTS = "/repos/{repository}/contents/{path}"
_CONTENT_PATH = {**_REPO, "path": slashed_path("path")}
FILE_CONTENTS = HttpSpec("GET", _CONTENTS, query=wire("ref"), path_encoders=_CONTENT_PATH)


def _base64_text(value: Any) -> str:
    return base64.b64encode(str(value).encode("utf-8")).decode("ascii")


PUT_FILE = HttpSpec("PUT", _CONTENTS, body=wire("message", "content", "branch", "sha"),
                    encoders={"content": _base64_text}, path_encoders=_CONTENT_PATH)


def create_tag(ctx: ActionContext, values: dict[str, Any]) -> Any:
    """An annotated tag: the tag object, then ``refs/tags/{tag}`` pointing at it."""
    tag = call_spec(ctx, GITHUB, TAG_OBJECT, values)
    ref = call_spec(ctx, GITHUB, CREATE_REF, {"repository": values["repository"], "ref": f"refs/tags/{values['tag']}",
                                             "sha": tag["sha"]})
    return {**tag, "ref": ref.get("ref") if isinstance(ref, dict) else None}


def create_branch(ctx: ActionContext, values: dict[str, Any]) -> Any:
    """``refs/heads/{new_branch_name}`` at the head commit of ``source_branch``."""
    source = call_spec(ctx, GITHUB, BRANCH_REF, values)
    return call_spec(ctx, GITHUB, CREATE_REF, {"repository": values["repository"],
                                               "ref": f"refs/heads/{values['new_branch_name']}",
                                               "sha": source["object"]["sha"]})


def delete_branch(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    call_spec(ctx, GITHUB, DELETE_BRANCH, values)
    return {"branch": values["branch"], "deleted": True}


def get_file_contents(ctx: ActionContext, values: dict[str, Any]) -> Any:
    """GitHub's content object; a file's base64 ``content`` is also given decoded as ``text`` (null when the file
    is not UTF-8 text). A directory stays GitHub's list of entries."""
    body = call_spec(ctx, GITHUB, FILE_CONTENTS, values)
    if isinstance(body, dict) and body.get("encoding") == "base64" and isinstance(body.get("content"), str):
        return {**body, "text": _decoded(body["content"])}
    return body


def _decoded(content: str) -> str | None:
    try:
        return base64.b64decode("".join(content.split()), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
