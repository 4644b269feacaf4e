"""Offline check of the Kubernetes manifests (``make k8s-check``): no cluster and no kustomize needed.

Renders each overlay with the subset of kustomize the manifests use (resources, namespace, labels,
images, replicas, config/secret generators with ``disableNameSuffixHash``), validates every object
against the Kubernetes API schemas with ``kubernetes-validate`` (strict), and checks that every
ConfigMap/Secret a Deployment reads exists in the overlay or is declared external.
Use ``kubectl kustomize deploy/k8s/overlays/<name>`` for the real rendering.
"""

from __future__ import annotations

import base64
import copy
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import yaml

ROOT = Path(__file__).resolve().parent
KUBERNETES_VERSION = "1.33.0"
#: secrets created out of band in an overlay (documented in its kustomization.yaml)
EXTERNAL = {
    "production": {
        "Secret/jiceng-secrets",
        "Secret/jiceng-pgbouncer",
        "Secret/jiceng-gateway-keys",
        "Secret/jiceng-public-keys",
        "Secret/jiceng-personal-data-keys",
    }
}
SUPPORTED = {
    "apiVersion",
    "kind",
    "namespace",
    "resources",
    "labels",
    "images",
    "replicas",
    "generatorOptions",
    "configMapGenerator",
    "secretGenerator",
}


def _load(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def _generated(spec: dict[str, Any], kind: str) -> dict[str, Any]:
    data = dict(line.split("=", 1) for line in spec.get("literals", []))
    if kind == "Secret":
        return {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": spec["name"]},
            "type": "Opaque",
            "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()},
        }
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": spec["name"]}, "data": data}


def render(directory: Path) -> list[dict[str, Any]]:
    k = yaml.safe_load((directory / "kustomization.yaml").read_text())
    unknown = set(k) - SUPPORTED
    if unknown:
        raise SystemExit(f"{directory}: kustomization fields this check does not render: {sorted(unknown)}")
    if (k.get("configMapGenerator") or k.get("secretGenerator")) and not k.get("generatorOptions", {}).get(
        "disableNameSuffixHash"
    ):
        raise SystemExit(f"{directory}: generators need disableNameSuffixHash for this check")
    objects: list[dict[str, Any]] = []
    for entry in k.get("resources", []):
        target = (directory / entry).resolve()
        objects += render(target) if target.is_dir() else _load(target)
    by_key = {(o["kind"], o["metadata"]["name"]): o for o in objects}
    for kind, key in (("ConfigMap", "configMapGenerator"), ("Secret", "secretGenerator")):
        for spec in k.get(key, []):
            made = _generated(spec, kind)
            existing = by_key.get((kind, spec["name"]))
            if spec.get("behavior") == "merge":
                if existing is None:
                    raise SystemExit(f"{directory}: merge into missing {kind}/{spec['name']}")
                existing.setdefault("data", {}).update(made["data"])
            else:
                objects.append(made)
                by_key[(kind, spec["name"])] = made
    for label in k.get("labels", []):
        for obj in objects:
            obj["metadata"].setdefault("labels", {}).update(label["pairs"])
    for image in k.get("images", []):
        for obj in objects:
            for container in _containers(obj):
                name, _, _tag = container["image"].partition(":")
                if name == image["name"]:
                    container["image"] = f"{image.get('newName', name)}:{image.get('newTag', _tag or 'latest')}"
    for replica in k.get("replicas", []):
        target = by_key.get(("Deployment", replica["name"]))
        if target is None:
            raise SystemExit(f"{directory}: replicas for missing Deployment/{replica['name']}")
        target["spec"]["replicas"] = replica["count"]
    if "namespace" in k:
        for obj in objects:
            obj["metadata"]["namespace"] = k["namespace"]
    return copy.deepcopy(objects)


def _containers(obj: dict[str, Any]) -> list[dict[str, Any]]:
    spec = obj.get("spec", {}).get("template", {}).get("spec", {})
    return spec.get("containers", []) + spec.get("initContainers", [])


def _references(obj: dict[str, Any]) -> set[str]:
    refs = set()
    for container in _containers(obj):
        for source in container.get("envFrom", []):
            if "configMapRef" in source:
                refs.add(f"ConfigMap/{source['configMapRef']['name']}")
            if "secretRef" in source:
                refs.add(f"Secret/{source['secretRef']['name']}")
        for env in container.get("env", []):
            ref = env.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                refs.add(f"Secret/{ref['name']}")
    return refs


def check_overlay(overlay: Path) -> list[str]:
    problems = []
    objects = render(overlay)
    present = {f"{o['kind']}/{o['metadata']['name']}" for o in objects}
    external = EXTERNAL.get(overlay.name, set())
    for obj in objects:
        name = f"{obj['kind']}/{obj['metadata']['name']}"
        try:
            kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            problems.append(f"{overlay.name}: {name}: {exc.message} at {'/'.join(map(str, exc.path))}")
        for ref in _references(obj) - present - external:
            problems.append(f"{overlay.name}: {name} reads {ref}, which is neither rendered nor declared external")
    kinds = {o["kind"] for o in objects}
    for required in ("Deployment", "Service", "NetworkPolicy"):
        if required not in kinds:
            problems.append(f"{overlay.name}: no {required}")
    print(f"{overlay.name}: {len(objects)} objects rendered and validated")
    return problems


def main() -> int:
    problems: list[str] = []
    for overlay in sorted((ROOT / "overlays").iterdir()):
        problems += check_overlay(overlay)
    for problem in problems:
        print("FAIL", problem)
    if not problems:
        print(f"Kubernetes manifests are valid (API {KUBERNETES_VERSION})")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
