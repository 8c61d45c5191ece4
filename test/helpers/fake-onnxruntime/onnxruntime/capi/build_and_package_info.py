package_name = 'onnxruntime-gpu-fake'
__version__ = '0.0.0-fake'
cuda_version = '12.0'
cudnn_version = '9.0'
