"""triton-docker-migrate: migrate Triton V1 (TensorRT Inference Server) deployments to V2."""

__version__ = "0.1.0"
