from .defect_data_preprocessor import DefectDataPreProcessor

__all__ = ['DefectDataPreProcessor']
