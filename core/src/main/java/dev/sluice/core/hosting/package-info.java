/**
 * The request shapes of SageMaker's hosting control plane (CreateModel, CreateEndpointConfig, the deployment
 * config of CreateEndpoint/UpdateEndpoint, UpdateEndpointWeightsAndCapacities, the List operations) as immutable,
 * self-validating records, and {@link dev.sluice.core.hosting.HostingShapes}, which reads them from awsJson1_1
 * request bodies. Nothing here keeps state: resolving names to existing resources is the control plane's job.
 */
package dev.sluice.core.hosting;
