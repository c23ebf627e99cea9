# Table 6: the 10 % fine-tuning (pre-trained on abnormal points, tested on
# line) with 15 % of the labelled line samples.
_base_ = './cadnet_synlcd_abpt-pretrain_line-10pct.py'
train_dataloader = dict(dataset=dict(label_fraction=0.15))
