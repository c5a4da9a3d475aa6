// The wire-format reader lives in core/ so that request/ (Argo CD's gRPC PodLogs query) reads with it too.
export * from '../../core/protobuf-wire.js';
