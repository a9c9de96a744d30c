/**
 * OCI and Docker image-format values as types: {@link io.imaged.oci.Descriptor}, {@link io.imaged.oci.ImageManifest},
 * {@link io.imaged.oci.ImageIndex}, their {@link io.imaged.oci.MediaTypes}, and {@link io.imaged.oci.ManifestCodec},
 * which reads and validates manifest bytes and writes them exactly as dockerd would. Nothing here knows HTTP, the
 * store or a registry: pull, push, save and load all speak these types.
 */
package io.imaged.oci;
