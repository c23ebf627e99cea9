# Models that look at the sample alone (SegFormer, LSA-Net, MFFPA and
# SegDecNet): they run on the paired data sets too, their data preprocessor
# dropping the template.
_base_ = './encoder_decoder.py'
data_preprocessor = dict(num_images=1)
model = dict(type='DefectEncoderDecoder', data_preprocessor=data_preprocessor)
