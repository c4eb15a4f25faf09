/**
 * Compiled model artifacts: the {@code manifest.json} the Neo-style compiler writes beside a compiled model
 * ({@link dev.sluice.core.artifact.ArtifactManifest}), and what a model host needs to decide whether an artifact can
 * run on the machine it is on ({@link dev.sluice.core.artifact.HostCapabilities}). The compiler writes manifests and
 * the model host reads them; neither knows the other, only this shape.
 */
package dev.sluice.core.artifact;
