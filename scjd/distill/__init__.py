"SCJD's losses: Eq. 1 (`embedding`, `04_embedding_distillation`), Eq. 2-4 (`relation`, `05_relation_distillation`), Eq. 6-8 (`loss`, `07_total_loss`)."
# This file only gathers the names of the modules below (they are written by nbdev-export from the notebooks).
from .embedding import *
from .relation import *
from .loss import *
