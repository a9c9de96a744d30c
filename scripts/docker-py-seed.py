#!/usr/bin/env python3
"""Seeds a loopback registry with the Docker Hub images docker-py's integration tests pull.

Usage: docker-py-seed.py REGISTRY_HOST:PORT   (DOCKER_HOST points at imaged)

Like Docker Hub's, each tag is a multi-platform manifest list (linux/amd64 + linux/arm64). Each platform's image is
a tiny rootfs made here (no Docker Hub), imported through imaged (POST /images/create?fromSrc=-&platform=...) and
pushed by imaged to a staging repository; its blobs are then mounted into library/NAME, its manifest put there by
digest, and the list put under each tag, all with the registry's own HTTP API. The local images are removed again
so the tests really pull. Each image has distinct content, so alpine, busybox and hello-world have different IDs.
"""
import hashlib
import io
import json
import sys
import tarfile
import urllib.request

import docker

IMAGES = [
    # (name, tags, cmd)
    ('alpine', ['3.10', 'latest'], ['/bin/sh']),
    ('busybox', ['latest'], ['sh']),
    ('hello-world', ['latest'], ['/hello']),
]


def rootfs(name):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w') as t:
        for d in ('bin', 'etc', 'tmp'):
            info = tarfile.TarInfo(d)
            info.type = tarfile.DIRTYPE
            info.mode = 0o755
            info.mtime = 1704067200
            t.addfile(info)
        data = f'{name}: seeded for the docker-py suite\n'.encode()
        info = tarfile.TarInfo(f'etc/{name}-release')
        info.size = len(data)
        info.mode = 0o644
        info.mtime = 1704067200
        t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


SCHEMA2 = 'application/vnd.docker.distribution.manifest.v2+json'
LIST = 'application/vnd.docker.distribution.manifest.list.v2+json'
PLATFORMS = [('linux', 'amd64'), ('linux', 'arm64')]


def http(method, url, body=None, headers=None):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    with urllib.request.urlopen(req) as r:
        return r.status, dict(r.headers), r.read()


def stage(api, registry, name, os_, arch, cmd):
    """Imports and pushes one platform's image to REGISTRY/seed/NAME:ARCH; returns its manifest bytes."""
    repo = f'{registry}/seed/{name}'
    res = api._post(api._url('/images/create'), data=rootfs(f'{name}-{arch}'),
                    headers={'Content-Type': 'application/tar'},
                    params={'fromSrc': '-', 'repo': repo, 'tag': arch, 'platform': f'{os_}/{arch}',
                            'changes': [f'CMD {json.dumps(cmd)}']})
    last = json.loads(api._result(res).splitlines()[-1])
    if 'error' in last:
        raise SystemExit(f'import {repo}:{arch}: {last["error"]}')
    for line in api.push(repo, tag=arch, stream=True, decode=True):
        if 'error' in line:
            raise SystemExit(f'push {repo}:{arch}: {line["error"]}')
    api.remove_image(f'{repo}:{arch}')
    _, _, manifest = http('GET', f'http://{registry}/v2/seed/{name}/manifests/{arch}', headers={'Accept': SCHEMA2})
    return manifest


def main():
    registry = sys.argv[1]
    api = docker.APIClient(version='auto', **docker.utils.kwargs_from_env())
    for name, tags, cmd in IMAGES:
        entries = []
        for os_, arch in PLATFORMS:
            manifest = stage(api, registry, name, os_, arch, cmd)
            m = json.loads(manifest)
            for blob in [m['config']] + m['layers']:
                status, _, _ = http('POST', f'http://{registry}/v2/library/{name}/blobs/uploads/'
                                            f'?mount={blob["digest"]}&from=seed/{name}', body=b'')
                if status != 201:
                    raise SystemExit(f'mount {blob["digest"]} into library/{name}: {status}')
            digest = 'sha256:' + hashlib.sha256(manifest).hexdigest()
            http('PUT', f'http://{registry}/v2/library/{name}/manifests/{digest}', body=manifest,
                 headers={'Content-Type': SCHEMA2})
            entries.append({'mediaType': SCHEMA2, 'size': len(manifest), 'digest': digest,
                            'platform': {'architecture': arch, 'os': os_}})
        index = json.dumps({'schemaVersion': 2, 'mediaType': LIST, 'manifests': entries}, indent=3).encode()
        for tag in tags:
            http('PUT', f'http://{registry}/v2/library/{name}/manifests/{tag}', body=index,
                 headers={'Content-Type': LIST})
            print(f'seeded {registry}/library/{name}:{tag} ({", ".join(a for _, a in PLATFORMS)})', file=sys.stderr)
    api.close()


if __name__ == '__main__':
    main()
