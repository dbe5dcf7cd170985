
‰
civ-1988-0003P0003H001"
etat-civil* ç 2(
address_key*75011:rue-oberkampf:1122
arrondissement2

birth_date	2Ä