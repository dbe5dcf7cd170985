
u
civ-2018-0023P0023H020"
etat-civil*€Â¯ð2
arrondissement2

birth_date	2âB	P0020B	P0021