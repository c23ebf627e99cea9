# CADNet on PKU-Market-PCB (Table 4): cadnet_synlcd.py with the PCB crops and
# 7 classes.  The paper gives one schedule for all data sets ("30 epochs
# (i.e. 126,000 iterations)", Sec. 4.2), kept here.  The bases are listed
# rather than inheriting cadnet_synlcd.py: mmengine forbids keys defined in
# two bases, and both data set bases define the same ones.
_base_ = [
    '../_base_/models/cadnet_mit-b0.py', '../_base_/datasets/pku-pcb.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_126k.py'
]
model = dict(decode_head=dict(num_classes=7))
