# BANet (S5) on a real OCD-like folder data set (configs/_base_/datasets/
# ocd-folder.py: {train,val,test}/{sample,template,mask}, 0/255 masks).
_base_ = [
    '../_base_/models/banet_r34.py', '../_base_/datasets/ocd-folder.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_banet.py'
]
train_dataloader = dict(batch_size=16)
