from .paired_data_preprocessor import PairedDataPreProcessor

__all__ = ['PairedDataPreProcessor']
