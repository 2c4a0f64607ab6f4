"""Models handed to the rest of the ecosystem: ONNX graphs, safetensors weights with PyTorch code, and back.

Every third-party package here (onnx, safetensors) is an optional extra, imported only when used.
"""
