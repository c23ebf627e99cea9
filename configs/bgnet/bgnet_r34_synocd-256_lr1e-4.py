# BGNet with lr 1e-4: the literal reading of the paper's "10e-5"
# (Sec. 4.1.2), the sensitivity check of the 1e-5 default.
_base_ = './bgnet_r34_synocd-256.py'
optim_wrapper = dict(optimizer=dict(lr=1e-4))
