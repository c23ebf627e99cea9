from .frequency_of_use_sampler import (FrequencyOfUseSampler,
                                       frequency_probabilities)

__all__ = ['FrequencyOfUseSampler', 'frequency_probabilities']
