# The main job: CADNet on SynLCD at 512x512 with the paper's schedule
# (30 epochs = 126,000 iterations of one sample).
_base_ = [
    '../_base_/models/cadnet_mit-b0.py', '../_base_/datasets/synlcd.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_126k.py'
]
