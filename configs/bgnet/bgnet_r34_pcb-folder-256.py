# BGNet on a PCB-style paired folder data set (BGNet's PCBs, from DSSSNet:
# template/sample/mask triples of one product, mostly global shifts), laid
# out as {train,val,test}/{sample,template,mask} under data/pcb with 0/255
# masks (configs/_base_/datasets/ocd-folder.py), binary.
_base_ = [
    '../_base_/models/bgnet_r34.py', '../_base_/datasets/ocd-folder.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_bgnet.py'
]
data_root = 'data/pcb'
train_dataloader = dict(batch_size=8, dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = dict(dataset=dict(data_root=data_root))
