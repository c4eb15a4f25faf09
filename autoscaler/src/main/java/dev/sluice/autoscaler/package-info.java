/**
 * Application Auto Scaling for production variants: target-tracking and step policies evaluated on a
 * {@link dev.sluice.variants.Scheduler} tick over metrics the gateway supplies ({@link dev.sluice.autoscaler.MetricsSource}),
 * applied through a {@link dev.sluice.autoscaler.CapacityTarget}; capacity providers that start and stop instances
 * (local child processes, Kubernetes Deployments); and {@link dev.sluice.autoscaler.ApplicationAutoScalingService}, the
 * awsJson1_1 {@code AnyScaleFrontendService.*} operations the AWS SDKs and CLI speak. This package knows no HTTP
 * server and no runtime: the gateway routes requests to it and implements the interfaces it needs.
 */
package dev.sluice.autoscaler;
