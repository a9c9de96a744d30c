#!/usr/bin/env python3
"""Seeds a loopback registry with the Docker Hub images docker-py's integration tests pull.

Usage: docker-py-seed.py REGISTRY_HOST:PORT   (DOCKER_HOST points at imaged)

Each image is a tiny rootfs made here (no Docker Hub): imported through imaged (POST /images/create?fromSrc=-),
tagged REGISTRY/library/NAME:TAG, pushed, then untagged again so the tests really pull. Each seeded image gets
distinct content so that alpine, busybox and hello-world have different IDs, as on Docker Hub.
"""
import io
import json
import sys
import tarfile

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


def main():
    registry = sys.argv[1]
    api = docker.APIClient(version='auto', **docker.utils.kwargs_from_env())
    for name, tags, cmd in IMAGES:
        repo = f'{registry}/library/{name}'
        out = api.import_image_from_data(rootfs(name), repository=repo, tag=tags[0],
                                         changes=[f'CMD {json.dumps(cmd)}'])
        last = json.loads(out.splitlines()[-1])
        if 'error' in last:
            raise SystemExit(f'import {repo}: {last["error"]}')
        for tag in tags:
            if tag != tags[0]:
                api.tag(f'{repo}:{tags[0]}', repo, tag)
            for line in api.push(repo, tag=tag, stream=True, decode=True):
                if 'error' in line:
                    raise SystemExit(f'push {repo}:{tag}: {line["error"]}')
            print(f'seeded {repo}:{tag}', file=sys.stderr)
        for tag in tags:
            api.remove_image(f'{repo}:{tag}')
    api.close()


if __name__ == '__main__':
    main()
