# Table 1, row S3: BGNet without the positional encoding.
_base_ = './bgnet_r34_synocd-256.py'
model = dict(neck=dict(positional_encoding=False))
