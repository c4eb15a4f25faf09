/**
 * The Neo-style compiler: turns an ONNX model into an artifact for one SageMaker target device or platform
 * ({@link dev.sluice.neo.Targets}) — shape specialisation, dead-code removal, int8 dynamic quantisation (CPU targets)
 * or fp16 conversion (GPU targets), ONNX Runtime offline graph optimisation — then checks the compiled model against
 * the original on sample inputs (the accuracy gate) and writes {@code OUT.tar.gz} with the model, a
 * {@link dev.sluice.core.artifact.ArtifactManifest} and the compile report.
 *
 * <p>Entry point: {@link dev.sluice.neo.Compiler#compile}. The CLI ({@code ./sluice compile}) and the control plane's
 * compilation jobs both call it; neither needs anything from {@code internal}.
 */
package dev.sluice.neo;
