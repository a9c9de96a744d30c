"""imaged through docker-py (the Python peer client), written for imaged — not docker-py's own suite.

Run by scripts/docker-py-suite.sh (DOCKER_PY_TESTS=src/test/python/imaged-py, DOCKER_PY_FILES=this file), which
starts a loopback docker-registry seeded with alpine/busybox/hello-world (linux/amd64 + linux/arm64 lists) and
imaged with that registry as docker.io mirror. Uses only docker-py's public API (5.x and 7.x).
"""
import io
import json
import os
import tarfile
import time
import uuid

import docker
import pytest

REGISTRY = os.environ['SEED_REGISTRY']


@pytest.fixture(scope='module')
def client():
    c = docker.from_env(version='auto')
    yield c
    c.close()


@pytest.fixture(scope='module')
def api(client):
    return client.api


def rootfs(files):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w') as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def unique(prefix):
    return '%s-%s' % (prefix, uuid.uuid4().hex[:8])


def test_pull_through_the_mirror_gives_the_image_and_its_digest(client):
    img = client.images.pull('busybox', tag='latest')
    assert 'busybox:latest' in img.tags
    assert any(d.startswith('busybox@sha256:') for d in img.attrs['RepoDigests'])
    assert client.images.get('busybox:latest').id == img.id
    assert img.id in [i.id for i in client.images.list(name='busybox')]


def test_pull_streams_docker_progress_messages(api):
    lines = list(api.pull('alpine', tag='3.10', stream=True, decode=True))
    statuses = [l.get('status', '') for l in lines]
    assert any(s.startswith('Digest: sha256:') for s in statuses)
    assert statuses[-1] in ('Status: Downloaded newer image for alpine:3.10', 'Status: Image is up to date for alpine:3.10')
    assert not any('error' in l for l in lines)


def test_pull_by_platform_picks_that_manifest(client, api):
    api.pull('hello-world', tag='latest', platform='linux/arm64')
    assert client.images.get('hello-world:latest').attrs['Architecture'] == 'arm64'
    api.remove_image('hello-world:latest')
    api.pull('hello-world', tag='latest', platform='linux/amd64')
    assert client.images.get('hello-world:latest').attrs['Architecture'] == 'amd64'


def test_pull_of_a_missing_tag_is_a_not_found_error(client):
    with pytest.raises(docker.errors.NotFound) as e:
        client.images.pull('busybox', tag='no-such-tag')
    assert 'not found' in str(e.value)


def test_registry_data_describes_the_remote_image_without_pulling(client):
    data = client.images.get_registry_data('alpine:latest')
    assert data.id.startswith('sha256:')
    assert data.has_platform('linux/arm64')
    assert data.has_platform('linux/amd64')
    assert not data.has_platform('linux/s390x')


def test_tag_push_and_pull_back_keeps_the_id(client, api):
    src = client.images.pull('busybox', tag='latest')
    repo = '%s/%s' % (REGISTRY, unique('pytest/pushed'))
    assert src.tag(repo, tag='v1')
    events = list(api.push(repo, tag='v1', stream=True, decode=True))
    assert not any('error' in e for e in events), events
    aux = [e['aux'] for e in events if 'aux' in e]
    assert aux and aux[-1]['Tag'] == 'v1' and aux[-1]['Digest'].startswith('sha256:')
    api.remove_image(repo + ':v1')
    pulled = client.images.pull(repo, tag='v1')
    assert pulled.id == src.id
    assert '%s@%s' % (repo, aux[-1]['Digest']) in pulled.attrs['RepoDigests']


def test_import_inspect_history_save_and_load_round_trip(client, api):
    repo = unique('pytest/imported')
    out = api.import_image_from_data(rootfs({'etc/hello': 'hi\n'}), repository=repo, tag='1',
                                     changes=['CMD ["/bin/sh"]', 'LABEL team=py'])
    image_id = json.loads(out.splitlines()[-1] if isinstance(out, str) else out)['status']
    img = client.images.get('%s:1' % repo)
    assert img.id == image_id
    assert img.labels == {'team': 'py'}
    assert img.attrs['Config']['Cmd'] == ['/bin/sh']
    assert len(img.history()) == 1
    archive = b''.join(img.save(named=True))
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        manifest = json.load(tar.extractfile('manifest.json'))
    assert manifest[0]['RepoTags'] == ['%s:1' % repo]
    client.images.remove('%s:1' % repo)
    loaded = client.images.load(archive)
    assert [i.id for i in loaded] == [image_id]


def test_a_broken_archive_fails_the_load_and_stores_nothing(client):
    before = sorted(i.id for i in client.images.list(all=True))
    with pytest.raises(docker.errors.ImageLoadError):
        client.images.load(b'this is not a tar archive')
    assert sorted(i.id for i in client.images.list(all=True)) == before


def test_remove_untags_then_deletes_and_prune_finds_dangling(client, api):
    repo = unique('pytest/rm')
    api.import_image_from_data(rootfs({'x': unique('content')}), repository=repo, tag='a')
    img = client.images.get('%s:a' % repo)
    img.tag(repo, tag='b')
    api.remove_image('%s:a' % repo)
    assert client.images.get('%s:b' % repo).id == img.id
    with pytest.raises(docker.errors.ImageNotFound):
        client.images.get('%s:a' % repo)
    dangling = api.import_image_from_data(rootfs({'y': unique('dangling')}))
    dangling_id = json.loads(dangling.splitlines()[-1] if isinstance(dangling, str) else dangling)['status']
    pruned = client.images.prune(filters={'dangling': True})
    assert dangling_id in [d.get('Deleted') for d in pruned['ImagesDeleted'] or []]
    api.remove_image('%s:b' % repo)
    with pytest.raises(docker.errors.ImageNotFound):
        client.images.get(img.id)


def test_search_lists_the_mirror_catalog(client):
    names = [r['name'] for r in client.images.search('busy')]
    assert 'busybox' in names


def test_events_report_a_tag(client):
    since = int(time.time()) - 1
    img = client.images.pull('alpine', tag='latest')
    repo = unique('pytest/evt')
    img.tag(repo, tag='1')
    events = list(client.events(since=since, until=int(time.time()) + 1, decode=True,
                                filters={'type': 'image', 'event': 'tag'}))
    assert any(e.get('Actor', {}).get('Attributes', {}).get('name') == '%s:1' % repo for e in events), events
