/**
 * What a model is and how updates are judged: model specs, DJL training, datasets and partitions,
 * update codecs and compression, ONNX export and ONNX Runtime evaluation, robust aggregation,
 * contribution scoring and attack simulators.
 *
 * <p>No Quarkus, IPFS or web3j type belongs here. Nothing is built yet: the module is an empty
 * shell in the Maven build, filled by later issues.
 */
package io.cohort.learning;
