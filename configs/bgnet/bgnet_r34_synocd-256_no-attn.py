# Table 1, row S4: no transformer; the PE-added CNN tokens are matched and
# subtracted directly (Table 1 ticks PE in this row).
_base_ = './bgnet_r34_synocd-256.py'
model = dict(neck=dict(attention=False))
